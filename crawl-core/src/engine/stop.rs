//! Stopping on a signal: the first SIGINT (Ctrl-C) or SIGTERM closes the spider gracefully
//! (no new requests, in-flight ones finish, feeds are closed); Docker, systemd and Kubernetes
//! stop with SIGTERM, so it is the same as a first Ctrl-C (issue 9). A second signal forces
//! the stop: the feeds, which hold only whole records, are flushed and closed (`]`,
//! `</items>`) under the engine's lock, so no item is half written, then the process exits
//! with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). A third signal exits at
//! once, should closing the feeds hang (a full pipe on stdout).

use std::sync::Weak;

use tokio::sync::mpsc;

use super::shared::Shared;
use super::Event;
use crate::Error;

/// A signal that stops the crawl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopSignal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: what service managers send.
    Terminate,
}

impl StopSignal {
    fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// The exit code of a forced stop: 128 + the signal's number, as shells report it.
    fn exit_code(self) -> i32 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
        }
    }
}

/// The process's SIGINT and SIGTERM, as one stream.
#[cfg(unix)]
struct Listener {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Listener {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Listener {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Option<StopSignal> {
        tokio::select! {
            got = self.interrupt.recv() => got.map(|()| StopSignal::Interrupt),
            got = self.terminate.recv() => got.map(|()| StopSignal::Terminate),
        }
    }
}

/// Ctrl-C only, where there is no SIGTERM.
#[cfg(not(unix))]
struct Listener;

#[cfg(not(unix))]
impl Listener {
    fn new() -> std::io::Result<Self> {
        Ok(Listener)
    }

    async fn next(&mut self) -> Option<StopSignal> {
        tokio::signal::ctrl_c()
            .await
            .ok()
            .map(|()| StopSignal::Interrupt)
    }
}

/// Listens for stop signals for the rest of the process; `sender` reaches the engine loop,
/// `shared` its feeds.
pub(super) fn watch(
    sender: mpsc::UnboundedSender<Event>,
    shared: Weak<Shared>,
) -> Result<(), Error> {
    let mut listener = Listener::new().map_err(|source| Error::Io {
        context: "cannot listen for SIGINT and SIGTERM".to_owned(),
        source,
    })?;
    tokio::spawn(async move {
        let Some(first) = listener.next().await else {
            return;
        };
        tracing::info!(
            "Received {}, shutting down gracefully. Send again to force",
            first.name()
        );
        let _ = sender.send(Event::Close("shutdown".to_owned()));
        let Some(second) = listener.next().await else {
            return;
        };
        tracing::warn!(
            "Received {} {}, forcing unclean shutdown",
            second.name(),
            if second == first {
                "twice"
            } else {
                "after a first signal"
            }
        );
        let code = second.exit_code();
        // A thread of its own: taking the engine's lock may wait for a write in progress, and
        // this task must stay free to hear a third signal.
        std::thread::spawn(move || force(&shared, code));
        if listener.next().await.is_some() {
            std::process::exit(code);
        }
    });
    Ok(())
}

/// Ends every feed on a record boundary, closes its document, and exits with `code`.
fn force(shared: &Weak<Shared>, code: i32) {
    if let Some(shared) = shared.upgrade() {
        // Items are written whole under this lock: holding it, no item is half written.
        let mut core = shared.lock();
        core.feeds.close(&shared.stats);
    }
    std::process::exit(code);
}
