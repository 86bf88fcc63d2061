use crawl_core::prelude::*;

#[derive(Settings)]
#[settings(prefix = "MYPIPE")]
pub struct MyPipeSettings {
    /// Items written per batch.
    #[setting(default = 10)]
    pub batch_size: usize,
}

#[derive(Default)]
struct S;

#[spider(name = "s", settings(MyPipeSettings::batch_sise = 20))]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}
