//! The sqlite_pipeline example, run twice into one database: the quotes are upserted, so the
//! second crawl adds no row.

#[path = "../sqlite_pipeline.rs"]
#[allow(dead_code)]
mod sqlite_pipeline;

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::{data, DemoSite};
use crawl_core::CrawlResult;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

async fn crawl(site: &DemoSite, db: &std::path::Path) -> CrawlResult {
    let args = [
        "sqlite_pipeline".to_owned(),
        "crawl".into(),
        "quotes_sqlite".into(),
        "-a".into(),
        format!("start_url={}", site.url("/")),
        "-a".into(),
        format!("db={}", db.display()),
        "-L".into(),
        "WARN".into(),
    ];
    cli::run(args, CliConfig::default()).await.unwrap().unwrap()
}

fn stat(result: &CrawlResult, key: &str) -> i64 {
    result.stats.get(key).and_then(|v| v.as_i64()).unwrap_or(0)
}

/// `COUNT(*)` and the row of the first quote: `(count, author, tags)`.
async fn read_back(db: &std::path::Path) -> (i64, String, Vec<String>) {
    let mut connection: SqliteConnection = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quotes")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    let (author, tags): (String, String) =
        sqlx::query_as("SELECT author, tags FROM quotes WHERE text = ?1")
            .bind(&data::quotes()[0].text)
            .fetch_one(&mut connection)
            .await
            .unwrap();
    connection.close().await.unwrap();
    (count, author, serde_json::from_str(&tags).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_are_upserted_and_a_second_crawl_adds_no_row() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested").join("quotes.sqlite3");
    let first = data::quotes()[0].clone();
    let expected_items = (data::QUOTES + data::AUTHOR_COUNT) as i64;

    for (run, rows_changed) in [(1, data::QUOTES as i64), (2, 0)] {
        let result = crawl(&site, &db).await;
        assert_eq!(result.finish_reason, "finished", "crawl {run}");
        assert_eq!(
            stat(&result, "item_scraped_count"),
            expected_items,
            "crawl {run}"
        );
        assert_eq!(stat(&result, "item_error_count"), 0, "crawl {run}");
        assert_eq!(
            stat(&result, "sqlite/upserts"),
            data::QUOTES as i64,
            "crawl {run}"
        );
        assert_eq!(
            stat(&result, "sqlite/rows_changed"),
            rows_changed,
            "crawl {run}"
        );
        assert_eq!(
            stat(&result, "sqlite/rows"),
            data::QUOTES as i64,
            "crawl {run}"
        );

        let (count, author, tags) = read_back(&db).await;
        assert_eq!(
            count,
            data::QUOTES as i64,
            "crawl {run}: one row per distinct quote"
        );
        assert_eq!(author, first.author, "crawl {run}");
        assert_eq!(tags, first.tags, "crawl {run}");
    }
}
