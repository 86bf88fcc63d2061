use crawl_core::prelude::*;

#[derive(Default)]
struct S<T>(std::marker::PhantomData<T>);

#[spider(name = "s")]
impl<T: Send + Sync + 'static> S<T> {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
