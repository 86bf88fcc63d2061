use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    fn parse(&self, _response: Response) {}
}

fn main() {}
