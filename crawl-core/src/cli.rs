//! The command line the generated `main` runs: `list`, `settings` and
//! `crawl NAME -o FILE -a k=v -s K=v`.
//!
//! The guide's [command line chapter](crate::_guide::command_line) describes every flag and
//! exit code.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::engine::{crawl, CrawlOptions, CrawlResult};
use crate::feed::FeedSpec;
use crate::{registry, Error, Settings, SpiderArgs};

/// How the generated `main` behaves beyond the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct CliConfig {
    /// Start the embedded demo site and crawl it when no `-a start_url=` is given.
    pub demo_site: bool,
    /// The demo site's path the crawl starts from (`/` when `None`).
    pub demo_path: Option<&'static str>,
}

#[derive(Debug, Parser)]
#[command(name = "crawl", about = "Run the spiders of this binary", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the spiders of this binary.
    List,
    /// Run a spider.
    Crawl(CrawlArgs),
    /// Print every setting: name, type, default, what it does, and Scrapy's counterpart.
    Settings,
    /// Print a shared crawl's view from Redis (`-s SCHEDULER=redis`): requests left, leased,
    /// workers, and every worker's stats added up. Runs while the crawl does.
    Stats(StatsArgs),
}

#[derive(Debug, clap::Args)]
struct StatsArgs {
    /// The spider's name (see `list`); optional when the binary has one spider.
    spider: Option<String>,
    /// A setting, as for `crawl`: -s REDIS_URL=redis://host:port/0.
    #[arg(short = 's', long = "set", value_name = "NAME=VALUE", value_parser = parse_pair)]
    settings: Vec<(String, String)>,
}

#[derive(Debug, clap::Args)]
struct CrawlArgs {
    /// The spider's name (see `list`).
    spider: String,
    /// Append items to FILE (format from the extension, or FILE:FORMAT; `-:jsonl` is stdout).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        allow_hyphen_values = true
    )]
    output: Vec<String>,
    /// Like -o, but overwrite FILE.
    #[arg(
        short = 'O',
        long = "overwrite-output",
        value_name = "FILE",
        allow_hyphen_values = true
    )]
    overwrite: Vec<String>,
    /// A spider argument, NAME=VALUE.
    #[arg(short = 'a', value_name = "NAME=VALUE", value_parser = parse_pair)]
    args: Vec<(String, String)>,
    /// A setting, by Scrapy's name: -s CONCURRENT_REQUESTS=64.
    #[arg(short = 's', long = "set", value_name = "NAME=VALUE", value_parser = parse_pair)]
    settings: Vec<(String, String)>,
    /// Log level: TRACE, DEBUG, INFO, WARN or ERROR.
    #[arg(short = 'L', long = "log-level", value_name = "LEVEL")]
    log_level: Option<String>,
    /// Keep the crawl's state in DIR (as -s JOBDIR=DIR): Ctrl-C pauses, a kill loses
    /// nothing, and the same command resumes.
    #[arg(long = "job-dir", value_name = "DIR")]
    job_dir: Option<String>,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, found `{text}`")),
    }
}

/// Subcommands and flags that mean the user did not omit the spider's name.
const COMMAND_WORDS: &[&str] = &[
    "list",
    "crawl",
    "settings",
    "stats",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// The settings of spider `name`: defaults, the environment, the spider's own, then `pairs`.
fn spider_settings(name: &str, pairs: &[(String, String)]) -> Result<Settings, Error> {
    let entry = registry::find(name)?;
    let mut settings = Settings::default();
    settings.apply_env()?;
    (entry.meta.settings)(&mut settings)?;
    settings.apply_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(settings)
}

#[cfg(feature = "redis")]
async fn cluster_report(settings: &Settings, spider: &str) -> Result<String, Error> {
    crate::cluster::report(settings, spider).await
}

#[cfg(not(feature = "redis"))]
async fn cluster_report(_: &Settings, _: &str) -> Result<String, Error> {
    Err(Error::Usage(
        "stats reads a shared crawl: it needs crawl-core's `redis` feature".to_owned(),
    ))
}

/// Inserts `crawl NAME` when the binary has one spider and no subcommand was given.
fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    let first = args.get(1).and_then(|a| a.to_str()).map(str::to_owned);
    let named = first
        .as_deref()
        .is_some_and(|word| COMMAND_WORDS.contains(&word));
    let spiders = registry::spiders();
    if !named && spiders.len() == 1 {
        args.splice(
            1..1,
            [
                OsString::from("crawl"),
                OsString::from(spiders[0].meta.name),
            ],
        );
    }
    args
}

/// The generated `main`: parses the command line, runs it on a new runtime, reports errors.
pub fn main(config: CliConfig) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let args = with_default_command(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    match runtime.block_on(execute(cli, config, true)) {
        Ok(Some(result)) if result.failed_feeds() > 0 => {
            eprintln!(
                "error: {} feed(s) could not be written (see the errors above)",
                result.failed_feeds()
            );
            ExitCode::FAILURE
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command line (including the program name) as the generated `main` would, without
/// Ctrl-C handling; for tests and embedding. `list` and `settings` return `None`.
pub async fn run<I, T>(args: I, config: CliConfig) -> Result<Option<CrawlResult>, Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args = with_default_command(args.into_iter().map(Into::into).collect());
    let cli = Cli::try_parse_from(args).map_err(|error| Error::Usage(error.to_string()))?;
    execute(cli, config, false).await
}

async fn execute(
    cli: Cli,
    config: CliConfig,
    handle_ctrl_c: bool,
) -> Result<Option<CrawlResult>, Error> {
    let args = match cli.command {
        Command::List => {
            for entry in registry::spiders() {
                println!("{}", entry.meta.name);
            }
            return Ok(None);
        }
        Command::Settings => {
            print!("{}", crate::settings_reference());
            print!("{}", crate::component_settings_reference());
            return Ok(None);
        }
        Command::Stats(args) => {
            let spider = match args.spider {
                Some(name) => name,
                None => match registry::spiders()[..] {
                    [only] => only.meta.name.to_owned(),
                    _ => return Err(Error::Usage("stats: name the spider".to_owned())),
                },
            };
            let settings = spider_settings(&spider, &args.settings)?;
            println!("{}", cluster_report(&settings, &spider).await?);
            return Ok(None);
        }
        Command::Crawl(args) => args,
    };
    let entry = registry::find(&args.spider)?;
    let mut settings = spider_settings(&args.spider, &args.settings)?;
    if let Some(level) = &args.log_level {
        settings.set("LOG_LEVEL", level)?;
    }
    if let Some(dir) = &args.job_dir {
        settings.set("JOBDIR", dir)?;
    }
    init_logging(&settings.log_level)?;
    let mut feeds = Vec::new();
    for output in &args.output {
        feeds.push(FeedSpec::parse(output, false)?);
    }
    for output in &args.overwrite {
        feeds.push(FeedSpec::parse(output, true)?);
    }
    let mut spider_args = SpiderArgs::from_pairs(args.args);
    spider_args.check(entry.meta)?;
    let _demo = if config.demo_site && spider_args.get(SpiderArgs::START_URL).is_none() {
        demo_start(&mut spider_args, config.demo_path.unwrap_or("/"))?
    } else {
        None
    };
    let options = CrawlOptions {
        settings,
        args: spider_args,
        feeds,
        handle_ctrl_c,
    };
    let result = crawl((entry.create)(), options).await?;
    Ok(Some(result))
}

#[cfg(feature = "demo-site")]
type DemoGuard = crate::demo_site::DemoSite;
#[cfg(not(feature = "demo-site"))]
type DemoGuard = ();

/// Starts the demo site and points the spider at it.
fn demo_start(args: &mut SpiderArgs, path: &str) -> Result<Option<DemoGuard>, Error> {
    #[cfg(feature = "demo-site")]
    {
        let site =
            crate::demo_site::DemoSite::start_in_background().map_err(|source| Error::Io {
                context: "cannot start the demo site".to_owned(),
                source,
            })?;
        tracing::info!("Demo site running at {}", site.url("/"));
        args.set_default(SpiderArgs::START_URL, site.url(path));
        Ok(Some(site))
    }
    #[cfg(not(feature = "demo-site"))]
    {
        let _ = (args, path);
        Err(Error::Usage(
            "the demo site needs crawl-core's `demo-site` feature".to_owned(),
        ))
    }
}

/// Targets whose DEBUG and TRACE lines describe a library's insides (the HTML parser's
/// every token, the HTTP client's every connection): kept at INFO unless a `LOG_LEVEL`
/// directive names them (`-L debug,html5ever=trace`).
const QUIET_TARGETS: &[&str] = &[
    "html5ever",
    "markup5ever",
    "selectors",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "reqwest",
];

/// The filter of `LOG_LEVEL`: a level (`DEBUG`) or `EnvFilter` directives
/// (`debug,crawl_core::engine=trace`), with [`QUIET_TARGETS`] at INFO at most.
fn log_filter(level: &str) -> Result<tracing_subscriber::EnvFilter, Error> {
    let mut directives = level.to_ascii_lowercase();
    for target in QUIET_TARGETS {
        let named = directives
            .split(',')
            .any(|directive| directive.trim().starts_with(target));
        if !named {
            directives.push_str(&format!(",{target}=info"));
        }
    }
    tracing_subscriber::EnvFilter::try_new(&directives).map_err(|_| Error::InvalidSetting {
        name: "LOG_LEVEL".to_owned(),
        value: level.to_owned(),
        expected: "TRACE, DEBUG, INFO, WARN or ERROR",
    })
}

/// Installs the log subscriber once; later calls (as in tests) keep the first. Colours only
/// on a terminal (and not under `NO_COLOR`): a log written to a file or a pipe holds plain
/// text.
fn init_logging(level: &str) -> Result<(), Error> {
    use std::io::IsTerminal;
    let filter = log_filter(level)?;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_may_start_with_a_hyphen_for_stdout() {
        let cli = Cli::try_parse_from([
            "crawl", "crawl", "quotes", "-o", "-:jsonl", "-O", "b.csv", "-a", "k=v=w",
        ])
        .unwrap();
        let Command::Crawl(args) = cli.command else {
            panic!("expected crawl")
        };
        assert_eq!(args.output, ["-:jsonl"]);
        assert_eq!(args.overwrite, ["b.csv"]);
        assert_eq!(args.args, [("k".to_owned(), "v=w".to_owned())]);
        let spec = FeedSpec::parse(&args.output[0], false).unwrap();
        assert_eq!(spec.target, crate::feed::FeedTarget::Stdout);
    }

    #[test]
    fn a_malformed_pair_is_a_clear_error() {
        let err = Cli::try_parse_from(["crawl", "crawl", "quotes", "-s", "NOEQUALS"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected NAME=VALUE, found `NOEQUALS`"),
            "{err}"
        );
    }

    #[test]
    fn library_internals_stay_quiet_unless_named() {
        use tracing_subscriber::layer::SubscriberExt;
        let enabled = |level: &str, target: &str| {
            let subscriber = tracing_subscriber::registry().with(log_filter(level).unwrap());
            tracing::subscriber::with_default(subscriber, || match target {
                "html5ever" => {
                    tracing::enabled!(target: "html5ever::tree_builder", tracing::Level::DEBUG)
                }
                "selectors" => {
                    tracing::enabled!(target: "selectors::matching", tracing::Level::DEBUG)
                }
                _ => tracing::enabled!(target: "crawl_core::engine", tracing::Level::DEBUG),
            })
        };
        assert!(enabled("DEBUG", "crawl"));
        assert!(!enabled("DEBUG", "html5ever"));
        assert!(!enabled("DEBUG", "selectors"));
        assert!(enabled("debug,html5ever=debug", "html5ever"));
        assert!(!enabled("INFO", "crawl"));
        assert!(log_filter("debug=lots").is_err());
    }
}
