//! Literal XPath expressions next to CSS queries, chained either way, on every receiver.
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: Option<String>,
    tags: Vec<String>,
    author: Option<String>,
}

#[derive(Default)]
struct Quotes;

#[spider(name = "quotes_xpath", start_urls = ["http://127.0.0.1:1/"])]
impl Quotes {
    async fn parse(&self, response: Response) {
        for quote in response.xpath("//div[@class='quote']") {
            yield_!(Quote {
                text: quote.xpath("./span[@class='text']/text()").get(),
                tags: quote.css("a.tag").xpath("text()").getall(),
                author: quote.xpath("normalize-space(.//small)").get(),
            });
        }
        let next = response.css("li.next").xpath("a/@href").get();
        if let Some(next) = next {
            yield_!(response.follow(next, Self::parse));
        }
        let dynamic = String::from("//a");
        let _count = response.xpath("count(//a)").re_first(r"\d+");
        let _ = response.try_xpath(&dynamic);
    }
}

fn main() {}
