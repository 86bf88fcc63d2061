//! What went wrong with a download, named as Scrapy's stats name it (Twisted's exception
//! names without their module): `DNSLookupError`, `ConnectionRefusedError`, `TimeoutError`,
//! ... counted in `downloader/exception_type_count/<kind>` and retried by RetryMiddleware;
//! a server that answers with something that is not HTTP (an invalid header, a malformed
//! status line) is [`Error::InvalidResponse`], which no retry can fix.

use std::error::Error as StdError;
use std::io;

use crate::{Error, Request};

/// What a failed exchange was, from the client error's chain of causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The host name did not resolve.
    DnsLookup,
    /// Nothing listens on the port.
    ConnectionRefused,
    /// Another failure to connect (unreachable network, TLS handshake).
    Connect,
    /// `DOWNLOAD_TIMEOUT` passed.
    Timeout,
    /// The body could not be read to its end (reset, cut short).
    ResponseFailed,
    /// The response is not valid HTTP.
    InvalidResponse,
    /// Anything else (the connection closed before a response, say).
    Request,
}

impl Failure {
    /// The kind name counted in `downloader/exception_type_count/<kind>`.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Failure::DnsLookup => "DNSLookupError",
            Failure::ConnectionRefused => "ConnectionRefusedError",
            Failure::Connect => "ConnectError",
            Failure::Timeout => "TimeoutError",
            Failure::ResponseFailed => "ResponseFailed",
            Failure::InvalidResponse => "InvalidResponse",
            Failure::Request => "RequestError",
        }
    }

    /// Classifies `error` by its causes.
    pub(crate) fn of(error: &reqwest::Error) -> Failure {
        let mut causes = std::iter::successors(error.source(), |&cause| cause.source());
        if error.is_timeout()
            || causes
                .clone()
                .any(|cause| io_kind(cause) == Some(io::ErrorKind::TimedOut))
        {
            return Failure::Timeout;
        }
        if causes.clone().any(is_invalid_http) {
            return Failure::InvalidResponse;
        }
        if error.is_connect() {
            // hyper-util's connect error does not export its type; its text for a failed
            // resolution is fixed ("dns error").
            if causes.clone().any(|cause| cause.to_string() == "dns error") {
                return Failure::DnsLookup;
            }
            if causes.any(|cause| io_kind(cause) == Some(io::ErrorKind::ConnectionRefused)) {
                return Failure::ConnectionRefused;
            }
            return Failure::Connect;
        }
        if error.is_body() || error.is_decode() {
            return Failure::ResponseFailed;
        }
        Failure::Request
    }
}

fn io_kind(cause: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    cause.downcast_ref::<io::Error>().map(io::Error::kind)
}

/// Whether hyper rejected what the server sent as HTTP (a header, a status line, a size).
fn is_invalid_http(cause: &(dyn StdError + 'static)) -> bool {
    cause
        .downcast_ref::<hyper::Error>()
        .is_some_and(hyper::Error::is_parse)
}

/// Maps a client error to [`Error::Download`] (or [`Error::InvalidResponse`]) with the
/// whole chain of causes in its message.
pub(crate) fn network_error(request: &Request, error: reqwest::Error) -> Error {
    let failure = Failure::of(&error);
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let url = request.url.to_string();
    match failure {
        Failure::InvalidResponse => Error::InvalidResponse { url, message },
        _ => Error::Download {
            url,
            kind: failure.kind(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A resolver that fails as a DNS server answering "no such name" would, without any
    /// network: the client wraps its error exactly as it wraps the system resolver's.
    struct NoSuchName;

    impl reqwest::dns::Resolve for NoSuchName {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async { Err(io::Error::new(io::ErrorKind::NotFound, "no such name").into()) })
        }
    }

    async fn failure(client: reqwest::Client, url: String) -> Failure {
        let error = client.get(url).send().await.unwrap_err();
        Failure::of(&error)
    }

    /// A server on 127.0.0.1 that answers every connection with `reply`.
    async fn answering(reply: &'static [u8]) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            for _ in 0..8 {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut buffer = [0; 1024];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(reply).await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn each_failure_gets_its_own_kind() {
        let plain = reqwest::Client::new();
        let dns = reqwest::Client::builder()
            .dns_resolver(Arc::new(NoSuchName))
            .build()
            .unwrap();
        assert_eq!(
            failure(dns, "http://nowhere.test/".into()).await,
            Failure::DnsLookup
        );
        // A port just closed: nothing listens.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        assert_eq!(
            failure(plain.clone(), format!("http://127.0.0.1:{port}/")).await,
            Failure::ConnectionRefused
        );
        let bad_header = answering(b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n").await;
        assert_eq!(
            failure(plain.clone(), format!("http://{bad_header}/")).await,
            Failure::InvalidResponse
        );
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let slow = reqwest::Client::builder()
            .timeout(std::time::Duration::from_millis(50))
            .build()
            .unwrap();
        let url = format!("http://{}/", silent.local_addr().unwrap());
        assert_eq!(failure(slow, url).await, Failure::Timeout);
        assert_eq!(Failure::DnsLookup.kind(), "DNSLookupError");
    }
}
