//! The synthetic site: `pages` deterministic quote pages on 127.0.0.1, generated once and
//! served from memory.
//!
//! Page 0 is `/`, page `i` is `/p/i`. Each page is about 7 KB of HTML with 3 `div.quote`
//! (`span.text`, `small.author`, two `a.tag`) and 10 links to other pages: the two `a.tag`
//! of each quote, then "next" (`i + 1`), the two children of a binary tree (`2i + 1`,
//! `2i + 2`) and one more. "next" makes every page reachable from `/`; the tree keeps the
//! frontier wide from the start, so every concurrency level is used.
//!
//! With `--heavy`, each page also carries a block of 3,000 more links to pages of the site
//! (about 1.5 MB of HTML a page). The blocks are 16 shared bodies, rendered once; a page is
//! put together from its own parts and its block on each request.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

const AUTHORS: &[&str] = &[
    "Albert Einstein",
    "J.K. Rowling",
    "Jane Austen",
    "Marilyn Monroe",
    "André Gide",
    "Thomas A. Edison",
    "Eleanor Roosevelt",
    "Steve Martin",
    "Bob Marley",
    "Dr. Seuss",
    "Douglas Adams",
    "Elie Wiesel",
    "Friedrich Nietzsche",
    "Mark Twain",
    "Allen Saunders",
    "Pablo Neruda",
    "Ralph Waldo Emerson",
    "Mother Teresa",
    "Garrison Keillor",
    "Jim Henson",
];

const WORDS: &[&str] = &[
    "world",
    "thinking",
    "change",
    "life",
    "love",
    "friends",
    "books",
    "reading",
    "truth",
    "humor",
    "simile",
    "inspirational",
    "miracle",
    "choices",
    "courage",
    "imagination",
    "wisdom",
    "music",
    "dreams",
    "hope",
    "fear",
    "time",
    "light",
    "dark",
    "river",
    "stone",
    "garden",
    "letter",
    "window",
    "journey",
    "silence",
    "laughter",
    "memory",
    "promise",
    "morning",
    "season",
    "ocean",
    "mountain",
    "kindness",
    "freedom",
];

/// A fast deterministic hash (SplitMix64).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The path of page `i`.
pub fn page_path(i: usize) -> String {
    if i == 0 {
        "/".to_owned()
    } else {
        format!("/p/{i}")
    }
}

/// The 10 pages page `i` links to (some may repeat or be `i` itself).
fn links(i: usize, pages: usize) -> [usize; 10] {
    let h = |k: u64| (mix((i as u64) << 8 | k) % pages as u64) as usize;
    [
        h(1),
        h(2),
        h(3),
        h(4),
        h(5),
        h(6),
        (i + 1) % pages,
        (2 * i + 1) % pages,
        (2 * i + 2) % pages,
        h(7),
    ]
}

fn words(out: &mut String, seed: u64, count: usize) {
    for k in 0..count {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[(mix(seed ^ (k as u64) << 32) % WORDS.len() as u64) as usize]);
    }
}

/// The HTML of page `i` of `pages`.
pub fn render(i: usize, pages: usize) -> String {
    let mut html = String::with_capacity(8 * 1024);
    let links = links(i, pages);
    let seed = mix(i as u64);
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Quotes to Scrape: page {i}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/static/bootstrap.min.css">
  <link rel="stylesheet" href="/static/main.css">
  <style>
    body {{ font-family: Georgia, serif; margin: 0 auto; max-width: 960px; color: #333; }}
    .header-box {{ padding: 12px 0; border-bottom: 1px solid #ddd; }}
    .quote {{ padding: 10px; margin-bottom: 30px; border: 1px solid #333; border-radius: 5px;
             box-shadow: 2px 2px 3px #333; }}
    .quote span.text {{ display: block; margin-bottom: 5px; font-size: large; }}
    .quote .author {{ font-weight: bold; }}
    .tags .tag {{ padding: 2px 5px; border-radius: 5px; color: white; font-size: small;
                 background-color: #7ca3d4; }}
    .pager {{ list-style: none; padding: 0; }} .pager li {{ display: inline; margin: 0 4px; }}
    footer {{ color: gray; border-top: 1px solid #ddd; padding: 20px 0; font-size: small; }}
  </style>
</head>
<body>
  <div class="container">
    <div class="row header-box">
      <div class="col-md-8">
        <h1>Quotes to Scrape</h1>
        <p class="lead">Page {i} of {pages}: a synthetic page of crawl's benchmark site.</p>
      </div>
    </div>
    <div class="row">
      <div class="col-md-8">
"#
    );
    for q in 0..3 {
        let qseed = mix(seed ^ (q as u64 + 1));
        let author = AUTHORS[(qseed % AUTHORS.len() as u64) as usize];
        html.push_str(
            "        <div class=\"quote\" itemscope itemtype=\"http://schema.org/CreativeWork\">\n",
        );
        html.push_str("          <span class=\"text\" itemprop=\"text\">\u{201c}");
        words(&mut html, qseed, 24 + (qseed % 12) as usize);
        let _ = write!(html, " ({i}.{q})\u{201d}</span>\n          <span>by <small class=\"author\" itemprop=\"author\">{author}</small>\n");
        let tag = |k: u64| WORDS[(mix(qseed ^ k) % WORDS.len() as u64) as usize];
        let (t1, t2) = (tag(11), tag(12));
        let _ = write!(
            html,
            concat!(
                "          </span>\n",
                "          <div class=\"tags\">Tags:\n",
                "            <meta class=\"keywords\" itemprop=\"keywords\" content=\"{t1},{t2}\">\n",
                "            <a class=\"tag\" href=\"{h1}\">{t1}</a>\n",
                "            <a class=\"tag\" href=\"{h2}\">{t2}</a>\n",
                "          </div>\n",
                "        </div>\n",
            ),
            t1 = t1,
            t2 = t2,
            h1 = page_path(links[2 * q]),
            h2 = page_path(links[2 * q + 1]),
        );
    }
    let _ = write!(
        html,
        r#"        <nav>
          <ul class="pager">
            <li class="next"><a href="{next}">Next <span aria-hidden="true">&rarr;</span></a></li>
            <li class="child"><a href="{c1}">Left</a></li>
            <li class="child"><a href="{c2}">Right</a></li>
            <li class="related"><a href="{r}">Related</a></li>
          </ul>
        </nav>
      </div>
      <div class="col-md-4 tags-box">
        <h2>About this page</h2>
"#,
        next = page_path(links[6]),
        c1 = page_path(links[7]),
        c2 = page_path(links[8]),
        r = page_path(links[9]),
    );
    // Filler text, so pages weigh what real listing pages do.
    for p in 0..8u64 {
        html.push_str("        <p class=\"filler\">");
        words(&mut html, mix(seed ^ (p + 100)), 60);
        html.push_str(".</p>\n");
    }
    html.push_str(
        r#"      </div>
    </div>
  </div>
  <footer class="footer">
    <div class="container">
      <p class="text-muted">Quotes by: <span>GoodReads.com</span></p>
      <p class="copyright">Made with <span class="zyte">&hearts;</span> for crawl's benchmark</p>
    </div>
  </footer>
</body>
</html>
"#,
    );
    html
}

/// How many distinct link blocks heavy pages share (page `i` gets block `i % HEAVY_BLOCKS`),
/// so the site keeps about 24 MB of them rather than 1.5 MB per page.
const HEAVY_BLOCKS: usize = 16;
/// Links in each heavy block.
const HEAVY_LINKS: usize = 3_000;

/// Heavy mode's block of links: `HEAVY_LINKS` list entries of about 500 bytes, each an
/// `<a href>` to a page of the site and a line of text, about 1.5 MB in all. No `div.quote`
/// and no `a.tag` in it, so the items stay the same.
fn heavy_block(block: usize, pages: usize) -> String {
    let mut html = String::with_capacity(1_600_000);
    html.push_str("        <h2>More pages</h2>\n        <ul class=\"more\">\n");
    for j in 0..HEAVY_LINKS {
        let seed = mix((block as u64) << 32 | j as u64);
        let target = page_path((seed % pages as u64) as usize);
        let _ = write!(html, "          <li><a href=\"{target}\">");
        words(&mut html, seed, 8);
        html.push_str("</a> <span class=\"desc\">");
        words(&mut html, mix(seed), 52);
        html.push_str("</span></li>\n");
    }
    html.push_str("        </ul>\n");
    html
}

/// Every page, rendered once (in heavy mode, each page's own parts and the shared blocks,
/// put together on request).
pub struct Site {
    /// Each page's HTML; in heavy mode split where its link block goes.
    pages: Vec<(Bytes, Bytes)>,
    /// Heavy mode's link blocks; empty otherwise.
    blocks: Vec<Bytes>,
}

impl Site {
    /// Renders `pages` pages; `heavy` adds a block of `HEAVY_LINKS` links to each.
    pub fn generate(pages: usize, heavy: bool) -> Site {
        let pages = pages.max(1);
        let blocks: Vec<Bytes> = if heavy {
            (0..HEAVY_BLOCKS)
                .map(|b| Bytes::from(heavy_block(b, pages)))
                .collect()
        } else {
            Vec::new()
        };
        let pages = (0..pages)
            .map(|i| {
                let html = render(i, pages);
                if heavy {
                    // Before the end of the right-hand column.
                    let at = html
                        .rfind("      </div>\n    </div>\n  </div>\n  <footer")
                        .unwrap_or(html.len());
                    let bytes = Bytes::from(html);
                    (bytes.slice(..at), bytes.slice(at..))
                } else {
                    (Bytes::from(html), Bytes::new())
                }
            })
            .collect();
        Site { pages, blocks }
    }

    fn block(&self, index: usize) -> Option<&Bytes> {
        self.blocks.get(index % self.blocks.len().max(1))
    }

    /// Total bytes of HTML.
    pub fn total_bytes(&self) -> usize {
        self.pages
            .iter()
            .enumerate()
            .map(|(i, (head, tail))| head.len() + tail.len() + self.block(i).map_or(0, Bytes::len))
            .sum()
    }

    fn page(&self, path: &str) -> Option<Bytes> {
        let index = match path {
            "/" => 0,
            _ => path
                .strip_prefix("/p/")?
                .parse::<usize>()
                .ok()
                .filter(|&i| i > 0)?,
        };
        let (head, tail) = self.pages.get(index)?;
        Some(match self.block(index) {
            None => head.clone(),
            Some(block) => {
                let mut body = Vec::with_capacity(head.len() + block.len() + tail.len());
                body.extend_from_slice(head);
                body.extend_from_slice(block);
                body.extend_from_slice(tail);
                Bytes::from(body)
            }
        })
    }
}

async fn handle(State(site): State<Arc<Site>>, uri: Uri) -> Response {
    if uri.path() == "/robots.txt" {
        return (
            [(header::CONTENT_TYPE, "text/plain")],
            "User-agent: *\nDisallow:\n",
        )
            .into_response();
    }
    match site.page(uri.path()) {
        Some(body) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// `bench serve --pages N [--port P] [--heavy]`: renders the site, prints the port on stdout,
/// serves until killed.
pub fn serve(pages: usize, port: u16, heavy: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let site = Arc::new(Site::generate(pages, heavy));
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let port = listener.local_addr()?.port();
        eprintln!(
            "site: {} pages, {:.1} KB per page on average, http://127.0.0.1:{port}/",
            site.pages.len(),
            site.total_bytes() as f64 / site.pages.len() as f64 / 1000.0
        );
        println!("{port}");
        use std::io::Write as _;
        std::io::stdout().flush()?;
        let app = Router::new().fallback(handle).with_state(site);
        axum::serve(listener, app).await?;
        Ok(())
    })
}
