use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) -> Result<Request> {
        Ok(FormRequest::from_response(&response)
            .formdata([("user", "ada")])
            .with_callback(Self::after_logn)
            .build()?)
    }

    async fn after_login(&self, _response: Response) {}
}

fn main() {}
