//! A throwaway `redis-server` on a free loopback port, for tests, benches and examples.
//!
//! ```no_run
//! # fn demo() -> std::io::Result<()> {
//! let server = crawl_core::cluster::server::RedisServer::start()?;
//! println!("REDIS_URL={}", server.url());
//! # Ok(())
//! # }
//! ```

use std::io::{self, BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A `redis-server` process with its data in a temporary directory, stopped (killed) when
/// dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

/// How long a server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(10);

impl RedisServer {
    /// Starts `redis-server` (from `PATH`) on a free port of 127.0.0.1, without persistence,
    /// and waits until it accepts connections.
    pub fn start() -> io::Result<RedisServer> {
        let dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!("cannot start redis-server (apt-get install redis-server): {error}"),
                )
            })?;
        let mut server = RedisServer {
            child,
            port,
            _dir: dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// Waits for the server's "Ready to accept connections" line.
    fn wait_ready(&mut self) -> io::Result<()> {
        let stdout = self.child.stdout.take().expect("stdout is piped");
        let (ready, wait) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reported = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !reported && line.contains("Ready to accept connections") {
                    reported = ready.send(()).is_ok();
                }
            }
        });
        match wait.recv_timeout(READY_WITHIN) {
            Ok(()) => Ok(()),
            Err(_) => {
                let status = self.child.try_wait()?;
                Err(io::Error::other(format!(
                    "redis-server on port {} did not get ready within {READY_WITHIN:?} \
                     (exit status: {status:?})",
                    self.port
                )))
            }
        }
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The server's process id (to pause it with `SIGSTOP` in a test of an unreachable
    /// Redis).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server at once (as a crash would), keeping nothing.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
