//! The downloader's threads: a tokio runtime of its own that runs every HTTP exchange
//! (connections, TLS, reading bodies). Callbacks run on the crawl's own runtime, so a
//! callback parsing a large page there never delays a download. One thread per four cores
//! (at least one): moving bytes costs far less than parsing them.

use std::future::Future;
use std::sync::LazyLock;

/// The runtime, started on first use and kept for the life of the process (crawls in the
/// same process share it).
static RUNTIME: LazyLock<Option<tokio::runtime::Runtime>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let built = tokio::runtime::Builder::new_multi_thread()
        .worker_threads((cores / 4).max(1))
        .thread_name("crawl-downloader")
        .enable_all()
        .build();
    match built {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            tracing::warn!(
                "cannot start the downloader threads ({error}); downloading on the crawl's runtime"
            );
            None
        }
    }
});

/// Runs `exchange` on the downloader's threads and waits for its result (in place, on the
/// caller's runtime, if they could not start).
pub(super) async fn spawn<T: Send + 'static>(
    exchange: impl Future<Output = T> + Send + 'static,
) -> T {
    let Some(runtime) = RUNTIME.as_ref() else {
        return exchange.await;
    };
    // Dropped (the crawl stops waiting), the exchange stops too.
    let mut task = AbortOnDrop(runtime.spawn(exchange));
    match (&mut task.0).await {
        Ok(result) => result,
        // The exchange panicked: let the caller see the same panic (the downloader
        // middlewares' guard reports it and the crawl goes on).
        Err(error) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the downloader threads dropped a download: {error}"),
        },
    }
}

/// Aborts the task when the caller stops waiting for it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
