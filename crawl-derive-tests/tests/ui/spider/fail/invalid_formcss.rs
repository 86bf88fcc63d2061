use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) -> Result<Request> {
        Ok(FormRequest::from_response(&response).formcss("form#login[").build()?)
    }
}

fn main() {}
