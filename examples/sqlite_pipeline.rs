//! Items into SQLite through an async driver: the quotes spider (quotes and authors) and an
//! impl-form `#[pipeline]` holding a `sqlx::SqlitePool`. `open_spider` opens the database
//! (creating the file and the table if needed), `process_item` **upserts** each quote keyed
//! by its text, `close_spider` counts the rows and closes the pool. Crawling again updates
//! rows in place: the table never holds a quote twice.
//!
//! ```sh
//! cargo run --release --example sqlite_pipeline                        # demo site -> target/quotes.sqlite3
//! cargo run --release --example sqlite_pipeline -- -a db=/tmp/q.sqlite3 # another database file
//! cargo run --release --example sqlite_pipeline -- -a start_url=URL     # any quotes-style site
//! ```
//!
//! Stats: `sqlite/upserts` (quotes written), `sqlite/rows_changed` (rows inserted or whose
//! author or tags changed: 0 on a second crawl of an unchanged site), `sqlite/rows` (rows in
//! the table at close).

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context as _;
use crawl_core::prelude::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// The database file when no `-a db=PATH` is given (relative to the working directory).
pub const DEFAULT_DB: &str = "target/quotes.sqlite3";

/// The table, keyed by the quote's text; `tags` is a JSON array.
const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS quotes (
    text   TEXT PRIMARY KEY NOT NULL,
    author TEXT NOT NULL,
    tags   TEXT NOT NULL
)";

/// Inserts a quote, or updates the row holding its text (only when something changed, so
/// that `rows_affected` tells a new or changed row from an unchanged one).
const UPSERT: &str = "INSERT INTO quotes (text, author, tags) VALUES (?1, ?2, ?3)
    ON CONFLICT (text) DO UPDATE SET author = excluded.author, tags = excluded.tags
    WHERE author IS NOT excluded.author OR tags IS NOT excluded.tags";

/// One quote from a listing page.
#[derive(Debug, Serialize)]
pub struct Quote {
    /// The quote's text, without the curly quotes the page wraps it in.
    pub text: String,
    /// Who said it.
    pub author: String,
    /// Its tags.
    pub tags: Vec<String>,
}

/// An author's page (not stored in the database: it goes to the feeds only).
#[derive(Debug, Serialize)]
pub struct Author {
    /// The author's name.
    pub name: String,
    /// Date of birth as the page writes it.
    pub born: String,
}

/// Crawls the listing pages (following "Next") and each author's page.
#[derive(Default)]
pub struct Quotes;

#[spider(name = "quotes_sqlite", args = ["db"], settings(concurrent_requests = 32))]
impl Quotes {
    /// A listing page: yields its quotes, then requests for authors and the next page.
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            let text = quote.css("span.text::text").get().unwrap_or_default();
            yield_!(Quote {
                text: text.trim().trim_matches(['“', '”']).to_owned(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
            });
        }
        for href in response.css(".author + a::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse_author));
        }
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }

    /// An author's page: one `Author`.
    async fn parse_author(&self, response: Response) -> Author {
        let text = |query| {
            response
                .css(query)
                .get()
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        Author {
            name: text("h3.author-title::text"),
            born: text(".author-born-date::text"),
        }
    }
}

/// Upserts every `Quote` into the `quotes` table of the database `-a db=PATH`.
///
/// A pipeline is built with `Default` for each crawl, so the pool lives in a cell that
/// `open_spider` fills.
#[derive(Default)]
pub struct SqlitePipeline {
    pool: OnceLock<SqlitePool>,
}

#[pipeline(order = 300)]
impl SqlitePipeline {
    /// Opens (or creates) the database and the table; an error here aborts the crawl.
    async fn open_spider(&self, crawler: &Crawler) -> Result<()> {
        let path = crawler.args().get("db").unwrap_or(DEFAULT_DB);
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
        {
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // Readers never block the writer; writers wait for each other instead of failing.
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database {path}"))?;
        sqlx::query(CREATE_TABLE).execute(&pool).await?;
        tracing::info!("Storing quotes in {path}");
        if self.pool.set(pool).is_err() {
            anyhow::bail!("the pipeline was opened twice");
        }
        Ok(())
    }

    /// Writes one quote: a new row, or the existing row of the same text updated.
    async fn process_item(&self, item: &mut Quote, crawler: &Crawler) -> Result<()> {
        let pool = self.pool.get().context("the database is not open")?;
        let tags = serde_json::to_string(&item.tags)?;
        let done = sqlx::query(UPSERT)
            .bind(&item.text)
            .bind(&item.author)
            .bind(tags)
            .execute(pool)
            .await?;
        crawler.stats().inc("sqlite/upserts");
        crawler
            .stats()
            .inc_by("sqlite/rows_changed", done.rows_affected() as i64);
        Ok(())
    }

    /// Counts the rows and closes the pool (waiting for its connections to close).
    async fn close_spider(&self, crawler: &Crawler) -> Result<()> {
        let Some(pool) = self.pool.get() else {
            return Ok(());
        };
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quotes")
            .fetch_one(pool)
            .await?;
        crawler.stats().set("sqlite/rows", rows);
        pool.close().await;
        Ok(())
    }
}

crawl_core::main!(demo_site);
