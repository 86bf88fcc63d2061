//! Deterministic content served by the demo site.
//!
//! Everything here is generated from fixed word lists with a simple linear
//! congruential generator, so the output is identical on every run and tests
//! can compute their expectations from these functions and constants.
//!
//! Summary of the content:
//! - [`QUOTES`] (= 100) quotes, [`QUOTES_PER_PAGE`] (= 10) per page on
//!   `/page/1/` ..= `/page/10/` ([`PAGES`]); `/` is the same as `/page/1/`.
//! - [`AUTHOR_COUNT`] (= 25) authors, each with at least one quote.
//! - [`TAGS`] (15 tags), each used by at least one quote.
//! - [`BOOK_PAGES`] (7 pages under `/book/`) with an exact list of links.
//! - [`FILE_NAMES`] (4 binary files under `/files/`).
//!
//! Quote texts are stored without the surrounding curly quotes; pages render
//! them as `“text”`. No quote, author name, tag or description contains a
//! character that HTML escaping changes (`&`, `<`, `>`, `"`), so extracted
//! text equals the data here.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Number of quotes shown on each listing page (main list and tag pages).
pub const QUOTES_PER_PAGE: usize = 10;
/// Number of pages of the main quote list (`/page/1/` ..= `/page/PAGES/`).
pub const PAGES: usize = 10;
/// Total number of quotes (`QUOTES_PER_PAGE * PAGES`).
pub const QUOTES: usize = QUOTES_PER_PAGE * PAGES;
/// Number of authors returned by [`authors`].
pub const AUTHOR_COUNT: usize = AUTHOR_SEEDS.len();

/// The tags used by quotes; each appears on at least one quote.
pub const TAGS: &[&str] = &[
    "love",
    "life",
    "inspirational",
    "humor",
    "books",
    "reading",
    "friendship",
    "truth",
    "simile",
    "change",
    "wisdom",
    "hope",
    "courage",
    "science",
    "time",
];

/// The rules of `/robots.txt` (served as `text/plain`), which then names the sitemap index:
/// `Sitemap: http://HOST/sitemap.xml` (see [`SITEMAP_INDEX`]). No `Crawl-delay`.
pub const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /private/\n";

pub use super::failures::FAILING_LINKS;
pub use super::files::{file, StaticFile, FILE_NAMES};
pub use super::login::{LOGIN_PASSWORD, LOGIN_USERNAME, MEMBER_NOTES};
pub use super::sitemaps::{
    sitemap_pages, SitemapPage, BROKEN_SITEMAP, BROKEN_SITEMAP_PAGE, SITEMAP_INDEX,
};

/// Path of the page that robots.txt disallows; a robots-obeying crawler must never request it.
pub const PRIVATE_PAGE: &str = "/private/secret.html";

/// A quote shown on the listing pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The quote text, without the surrounding `“` `”` that pages add.
    pub text: String,
    /// The author's display name (see [`Author::name`]).
    pub author: &'static str,
    /// The author's slug, used in `/author/SLUG/` links.
    pub author_slug: &'static str,
    /// Distinct tags of this quote (1 to 4), in display order.
    pub tags: Vec<&'static str>,
}

/// An author with a detail page at `/author/SLUG/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Display name, e.g. `Niamh O'Sullivan`.
    pub name: &'static str,
    /// URL slug, e.g. `niamh-osullivan`.
    pub slug: &'static str,
    /// Birth date such as `March 14, 1879` (content of `span.author-born-date`).
    pub born_date: String,
    /// Birthplace such as `Ulm, Germany`; the page renders it as `in Ulm, Germany`.
    pub born_location: &'static str,
    /// Biography paragraph (content of `div.author-description`).
    pub description: String,
}

/// One static page of the `/book/` tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookPage {
    /// Absolute path of the page, e.g. `/book/index.html`.
    pub path: &'static str,
    /// Content of the page's `<title>`.
    pub title: &'static str,
    /// The `href` of every `<a href>` on the page, in document order (the page has exactly these links and no others).
    pub hrefs: &'static [&'static str],
}

impl BookPage {
    /// Number of `<a href>` elements on the page.
    pub fn links(&self) -> usize {
        self.hrefs.len()
    }
}

/// The `/book/` tree: 7 pages, all reachable from `/book/index.html` through
/// links that stay inside `/book/`. Besides those, the pages link to `/` and
/// `/page/1/` (outside `/book/`, same host) and `http://offsite.invalid/x`
/// (offsite). One link carries a fragment (`index.html#top`). `/book/` itself
/// answers with a 301 redirect to `/book/index.html`.
///
/// | page | title | links |
/// | --- | --- | --- |
/// | `/book/index.html` | Book Index | 5 |
/// | `/book/chapter1.html` | Chapter 1 | 4 |
/// | `/book/chapter2.html` | Chapter 2 | 4 |
/// | `/book/chapter3.html` | Chapter 3 | 3 |
/// | `/book/appendix.html` | Appendix | 2 |
/// | `/book/sub/page.html` | Sub Page | 4 |
/// | `/book/sub/deeper.html` | Deeper Page | 3 |
///
/// Total: 25 links.
pub const BOOK_PAGES: &[BookPage] = &[
    BookPage {
        path: "/book/index.html",
        title: "Book Index",
        hrefs: &[
            "chapter1.html",
            "chapter2.html",
            "sub/page.html",
            "/",
            "http://offsite.invalid/x",
        ],
    },
    BookPage {
        path: "/book/chapter1.html",
        title: "Chapter 1",
        hrefs: &[
            "chapter2.html",
            "index.html#top",
            "../book/chapter3.html",
            "/page/1/",
        ],
    },
    BookPage {
        path: "/book/chapter2.html",
        title: "Chapter 2",
        hrefs: &[
            "chapter1.html",
            "../book/chapter3.html",
            "sub/page.html",
            "http://offsite.invalid/x",
        ],
    },
    BookPage {
        path: "/book/chapter3.html",
        title: "Chapter 3",
        hrefs: &["index.html", "appendix.html", "sub/deeper.html"],
    },
    BookPage {
        path: "/book/appendix.html",
        title: "Appendix",
        hrefs: &["chapter3.html", "/"],
    },
    BookPage {
        path: "/book/sub/page.html",
        title: "Sub Page",
        hrefs: &["../index.html", "../chapter1.html", "deeper.html", "/"],
    },
    BookPage {
        path: "/book/sub/deeper.html",
        title: "Deeper Page",
        hrefs: &["page.html", "../../book/index.html", "../appendix.html"],
    },
];

/// Looks up a page of the `/book/` tree by its absolute path.
pub fn book_page(path: &str) -> Option<&'static BookPage> {
    BOOK_PAGES.iter().find(|p| p.path == path)
}

/// Title of the page served (compressed) by `/compressed/{encoding}`.
pub const COMPRESSED_TITLE: &str = "Compressed";

/// The uncompressed HTML (about 20 KB) served by `/compressed/{encoding}`.
pub fn compressed_page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let mut html = format!(
            "<html><head><meta charset=\"utf-8\"><title>{COMPRESSED_TITLE}</title></head><body>\n"
        );
        let mut i = 0;
        while html.len() < 20_000 {
            let q = &quotes()[i % QUOTES];
            html.push_str(&format!(
                "<p class=\"line\" id=\"l{i}\">{} ({})</p>\n",
                q.text, q.author
            ));
            i += 1;
        }
        html.push_str("</body></html>\n");
        html
    })
}

/// All quotes, in page order (quote `i` is on page `i / QUOTES_PER_PAGE + 1`).
pub fn quotes() -> &'static [Quote] {
    static QUOTES_CELL: OnceLock<Vec<Quote>> = OnceLock::new();
    QUOTES_CELL.get_or_init(generate_quotes)
}

/// All authors, in a fixed order.
pub fn authors() -> &'static [Author] {
    static AUTHORS: OnceLock<Vec<Author>> = OnceLock::new();
    AUTHORS.get_or_init(generate_authors)
}

/// The author with this slug, if any.
pub fn author(slug: &str) -> Option<&'static Author> {
    authors().iter().find(|a| a.slug == slug)
}

/// The quotes on main-list page `page` (1-based), or `None` when out of range.
pub fn quotes_on_page(page: usize) -> Option<&'static [Quote]> {
    if page == 0 || page > PAGES {
        return None;
    }
    let start = (page - 1) * QUOTES_PER_PAGE;
    Some(&quotes()[start..start + QUOTES_PER_PAGE])
}

/// All quotes carrying `tag`, in page order (empty for an unknown tag).
pub fn quotes_with_tag(tag: &str) -> Vec<&'static Quote> {
    quotes().iter().filter(|q| q.tags.contains(&tag)).collect()
}

/// Number of pages of `/tag/TAG/page/N/` (0 for an unknown tag).
pub fn tag_pages(tag: &str) -> usize {
    quotes_with_tag(tag).len().div_ceil(QUOTES_PER_PAGE)
}

/// Deterministic pseudo-random generator (64-bit LCG, Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// (name, slug, birthplace, occupation, known for)
const AUTHOR_SEEDS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Ada Whitfield",
        "ada-whitfield",
        "Leeds, England",
        "novelist",
        "quiet novels about harbour towns",
    ),
    (
        "Bruno Castellan",
        "bruno-castellan",
        "Turin, Italy",
        "engineer",
        "bridges that still carry trains",
    ),
    (
        "Clara Montague",
        "clara-montague",
        "Boston, Massachusetts",
        "essayist",
        "essays on patience",
    ),
    (
        "Dmitri Volkonsky",
        "dmitri-volkonsky",
        "Kazan, Russia",
        "chess player",
        "an opening nobody else could play",
    ),
    (
        "Elena Marquez",
        "elena-marquez",
        "Seville, Spain",
        "poet",
        "short poems written on train tickets",
    ),
    (
        "Farid Haddad",
        "farid-haddad",
        "Beirut, Lebanon",
        "physician",
        "field notes from country clinics",
    ),
    (
        "Greta Lindqvist",
        "greta-lindqvist",
        "Uppsala, Sweden",
        "botanist",
        "a catalogue of northern mosses",
    ),
    (
        "Hiro Tanabe",
        "hiro-tanabe",
        "Kyoto, Japan",
        "potter",
        "bowls with deliberate cracks",
    ),
    (
        "Imogen Hale",
        "imogen-hale",
        "Cork, Ireland",
        "playwright",
        "comedies set in lighthouses",
    ),
    (
        "Jonas Brandt",
        "jonas-brandt",
        "Hamburg, Germany",
        "astronomer",
        "charting faint comets",
    ),
    (
        "Kwame Mensah",
        "kwame-mensah",
        "Kumasi, Ghana",
        "teacher",
        "a famous village library",
    ),
    (
        "Lucia Ferreira",
        "lucia-ferreira",
        "Porto, Portugal",
        "journalist",
        "long interviews with fishermen",
    ),
    (
        "Marcel Dubois",
        "marcel-dubois",
        "Lyon, France",
        "chef",
        "a cookbook without measurements",
    ),
    (
        "Niamh O'Sullivan",
        "niamh-osullivan",
        "Galway, Ireland",
        "singer",
        "ballads about the sea",
    ),
    (
        "Oskar Nowak",
        "oskar-nowak",
        "Krakow, Poland",
        "mathematician",
        "a proof that fits on a postcard",
    ),
    (
        "Priya Raman",
        "priya-raman",
        "Chennai, India",
        "physicist",
        "lectures on light and time",
    ),
    (
        "Quentin Avery",
        "quentin-avery",
        "Halifax, Nova Scotia",
        "sailor",
        "a solo voyage around the cape",
    ),
    (
        "Rosa Lindgren",
        "rosa-lindgren",
        "Bergen, Norway",
        "painter",
        "winter landscapes in blue",
    ),
    (
        "Samuel Okafor",
        "samuel-okafor",
        "Enugu, Nigeria",
        "architect",
        "schools built from local clay",
    ),
    (
        "Tamsin Rowe",
        "tamsin-rowe",
        "Bristol, England",
        "librarian",
        "a system for shelving forgotten books",
    ),
    (
        "Umberto Ricci",
        "umberto-ricci",
        "Naples, Italy",
        "composer",
        "operas about ordinary families",
    ),
    (
        "Vera Kowalski",
        "vera-kowalski",
        "Gdansk, Poland",
        "aviator",
        "night flights over the Baltic",
    ),
    (
        "Walter Finch",
        "walter-finch",
        "Dunedin, New Zealand",
        "geologist",
        "maps of ancient rivers",
    ),
    (
        "Yara Costa",
        "yara-costa",
        "Recife, Brazil",
        "dancer",
        "a style that mixed samba and ballet",
    ),
    (
        "Zane Whitaker",
        "zane-whitaker",
        "Tucson, Arizona",
        "philosopher",
        "a small book on kindness",
    ),
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const NOUNS: &[&str] = &[
    "heart", "river", "book", "friend", "journey", "silence", "mountain", "garden", "morning",
    "letter", "dream", "door", "lamp", "road", "storm", "song", "window", "question", "harbor",
    "secret", "mirror", "bridge", "candle", "forest", "promise", "shadow", "story", "ocean",
    "mind", "truth",
];

const ADJECTIVES: &[&str] = &[
    "quiet", "brave", "honest", "small", "patient", "broken", "golden", "gentle", "restless",
    "ordinary", "hidden", "curious", "simple", "wild", "kind", "old", "bright", "strange",
    "humble", "open",
];

const VERBS: &[&str] = &[
    "dream", "build", "remember", "forgive", "change", "love", "question", "follow", "create",
    "imagine", "read", "write", "find", "keep", "hold", "seek", "open", "measure", "shape",
    "climb",
];

/// Quote templates: `{N}` noun, `{A}` adjective, `{V}` verb.
const TEMPLATES: &[&str] = &[
    "The {A} {N} is the one that {V}s the {N}.",
    "Every {N} is a {N} waiting to {V}.",
    "A {A} {N} never {V}s alone.",
    "To {V} is to understand the {N} of the {N}.",
    "We {V} not because of the {N}, but because of the {A} {N}.",
    "There is no {N} without a little {A} {N}.",
    "If you want to {V} the {N}, first {V} yourself.",
    "The {N} you {V} today becomes the {N} of tomorrow.",
    "Life is a {A} {N}; {V} it before it {V}s you.",
    "Don't {V} the {N} until you have seen the {A} {N}.",
];

fn fill_template(template: &str, rng: &mut Lcg) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let slot = &rest[start + 1..start + 2];
        let word = match slot {
            "N" => rng.pick(NOUNS),
            "A" => rng.pick(ADJECTIVES),
            _ => rng.pick(VERBS),
        };
        out.push_str(word);
        rest = &rest[start + 3..];
    }
    out.push_str(rest);
    out
}

fn generate_quotes() -> Vec<Quote> {
    let mut rng = Lcg(0x5eed_0f9e_07e5);
    let mut seen = HashSet::new();
    let mut quotes = Vec::with_capacity(QUOTES);
    while quotes.len() < QUOTES {
        let i = quotes.len();
        let template = TEMPLATES[rng.below(TEMPLATES.len())];
        let text = fill_template(template, &mut rng);
        if !seen.insert(text.clone()) {
            continue;
        }
        // The first AUTHOR_COUNT quotes cover every author, later ones are random.
        let author_idx = if i < AUTHOR_COUNT {
            (i * 7) % AUTHOR_COUNT
        } else {
            rng.below(AUTHOR_COUNT)
        };
        let (name, slug, ..) = AUTHOR_SEEDS[author_idx];
        // The first tag cycles through all tags so every tag is used.
        let mut tags = vec![TAGS[i % TAGS.len()]];
        let extra = rng.below(4);
        for _ in 0..extra {
            let tag = rng.pick(TAGS);
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        quotes.push(Quote {
            text,
            author: name,
            author_slug: slug,
            tags,
        });
    }
    quotes
}

fn generate_authors() -> Vec<Author> {
    let mut rng = Lcg(0xa07_4025);
    AUTHOR_SEEDS
        .iter()
        .map(|&(name, slug, born_location, occupation, known_for)| {
            let month = rng.pick(MONTHS);
            let day = 1 + rng.below(28);
            let year = 1820 + rng.below(160);
            let adjective = rng.pick(ADJECTIVES);
            let noun = rng.pick(NOUNS);
            Author {
                name,
                slug,
                born_date: format!("{month} {day}, {year}"),
                born_location,
                description: format!(
                    "{name} was a {occupation} born in {born_location}, best known for {known_for}. \
                     Friends remembered a {adjective} person who always carried a {noun}. \
                     This biography is fictional and generated for the crawl demo site."
                ),
            }
        })
        .collect()
}
