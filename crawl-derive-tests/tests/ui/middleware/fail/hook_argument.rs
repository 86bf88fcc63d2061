use crawl_core::prelude::*;

#[middleware(hook = process_requets)]
async fn add_header(request: &mut Request) {
    let _ = request;
}

#[middleware(hook = process_response)]
async fn wrong_form(request: &mut Request) {
    let _ = request;
}

#[derive(Default)]
struct Stateful;

#[middleware(hook = process_request)]
impl Stateful {
    async fn process_request(&self, request: &mut Request) {
        let _ = request;
    }
}

fn main() {}
