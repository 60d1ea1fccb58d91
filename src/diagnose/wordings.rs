//! The wordings of Nix's and nixpkgs' failure messages across versions, kept as data
//! (`wordings.tsv`: category, versions, source template, a line built from it), each checked
//! against the diagnosis.

#[cfg(test)]
mod tests {
    use crate::diagnose::{diagnose, triggers, Context, Workspace};

    #[test]
    fn every_wording_gets_its_category() {
        let empty = tempfile::tempdir().unwrap();
        let ctx = Context {
            workspace: Workspace::new(vec![empty.path().to_owned()]),
            full_log: &|_| None,
        };
        let mut wrong = Vec::new();
        let mut rows = 0;
        for row in include_str!("wordings.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let [category, versions, _source, line] = row.split('\t').collect::<Vec<_>>()[..]
            else {
                panic!("a row has four columns: {row}");
            };
            rows += 1;
            let text = format!("{}\n", line.replace("\\n", "\n"));
            let log = crate::log::read_bytes(text.as_bytes(), triggers()).unwrap();
            let got = diagnose(&log, &ctx).category;
            if got != category {
                wrong.push(format!("{versions}: got {got}, want {category}: {line}"));
            }
        }
        assert!(rows >= 30, "only {rows} wordings");
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
