//! The tour's report: a summary table printed at the end and a Markdown
//! file (`report.md`) beside the SVG figures in the output directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One measured figure of a stop.
pub(crate) struct Row {
    pub(crate) stop: &'static str,
    pub(crate) what: String,
    pub(crate) value: String,
}

/// The collected rows, figures and prose of the tour.
pub(crate) struct Report {
    dir: PathBuf,
    rows: Vec<Row>,
    sections: Vec<(String, String)>,
    started: Instant,
}

impl Report {
    pub(crate) fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            rows: Vec::new(),
            sections: Vec::new(),
            started: Instant::now(),
        })
    }

    /// Where a figure called `name` goes.
    pub(crate) fn figure_path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Records a measured figure and prints it.
    pub(crate) fn row(
        &mut self,
        stop: &'static str,
        what: impl Into<String>,
        value: impl Into<String>,
    ) {
        let (what, value) = (what.into(), value.into());
        println!("  {what}: {value}");
        self.rows.push(Row { stop, what, value });
    }

    /// Opens a section of the Markdown report (a heading and its text).
    pub(crate) fn section(&mut self, title: &str, text: impl Into<String>) {
        println!("== {title}");
        self.sections.push((title.to_string(), text.into()));
    }

    /// Appends Markdown (a figure, a table) to the current section.
    pub(crate) fn markdown(&mut self, text: impl AsRef<str>) {
        if let Some((_, body)) = self.sections.last_mut() {
            body.push_str("\n\n");
            body.push_str(text.as_ref());
        }
    }

    /// Writes `report.md` and prints the summary table.
    pub(crate) fn finish(self) -> std::io::Result<PathBuf> {
        let secs = self.started.elapsed().as_secs_f64();
        let mut md = String::from("# Sobolev tour\n\n");
        let _ = writeln!(
            md,
            "Made by `cargo xtask demo` in {secs:.1} s on {} thread(s).\n",
            std::thread::available_parallelism().map_or(1, usize::from)
        );
        md.push_str("| stop | measured | value |\n|---|---|---|\n");
        for r in &self.rows {
            let _ = writeln!(md, "| {} | {} | {} |", r.stop, r.what, r.value);
        }
        for (title, body) in &self.sections {
            let _ = write!(md, "\n## {title}\n\n{body}\n");
        }
        let path = self.dir.join("report.md");
        std::fs::write(&path, md)?;
        let w = self
            .rows
            .iter()
            .map(|r| r.what.len())
            .max()
            .unwrap_or(10)
            .min(60);
        println!("\n{:<12} {:<w$} value", "stop", "measured");
        for r in &self.rows {
            println!("{:<12} {:<w$} {}", r.stop, r.what, r.value);
        }
        println!(
            "\ntour finished in {secs:.1} s; report and figures in {}",
            self.dir.display()
        );
        Ok(path)
    }
}
