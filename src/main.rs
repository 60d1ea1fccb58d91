//! The nfai binary: parses the command line, runs it, and maps the outcome to an exit code.

use clap::Parser;

fn main() {
    let cli = nfai::cli::Cli::parse();
    let code = match nfai::commands::run(cli) {
        Ok(code) => code,
        Err(e) if e.is::<nfai::commands::Interrupted>() => 130,
        Err(e) => {
            eprintln!("nfai: error: {e:#}");
            e.downcast_ref::<nfai::commands::AfterCommand>()
                .map_or(2, |a| a.code)
        }
    };
    std::process::exit(code);
}
