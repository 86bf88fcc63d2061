use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        if let Some(title) = response.css("title::txt").get() {
            yield_!(title);
        }
    }
}

fn main() {}
