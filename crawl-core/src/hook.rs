//! `Hook`: the future a middleware, pipeline or signal hook returns. A hook that does not
//! await returns a ready value and allocates nothing; one that awaits is boxed once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The result of a hook: ready now, or a boxed future.
pub enum Hook<'a, T> {
    /// Already computed.
    Ready(Option<T>),
    /// Computed by awaiting.
    Boxed(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

impl<'a, T> Hook<'a, T> {
    /// A value available now.
    pub fn ready(value: T) -> Self {
        Hook::Ready(Some(value))
    }

    /// A value computed by `future`.
    pub fn boxed(future: impl Future<Output = T> + Send + 'a) -> Self {
        Hook::Boxed(Box::pin(future))
    }
}

// The value is moved out, never pinned in place.
impl<T> Unpin for Hook<'_, T> {}

impl<T> Future for Hook<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut() {
            Hook::Ready(value) => match value.take() {
                Some(value) => Poll::Ready(value),
                None => panic!("a ready hook was polled after it completed"),
            },
            Hook::Boxed(future) => future.as_mut().poll(cx),
        }
    }
}
