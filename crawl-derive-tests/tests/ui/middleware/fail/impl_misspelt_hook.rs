use crawl_core::prelude::*;

#[derive(Default)]
struct Tagger;

#[middleware]
impl Tagger {
    async fn process_respons(&self, response: Response) -> Response {
        response
    }
}

fn main() {}
