"""Question banks that teachers already have: Moodle GIFT, Aiken and IMS QTI 2.x.

- `model`: the importer-neutral question (`ImportedQuestion`), `BankImport`, warnings, errors.
- `gift`, `gift_export`, `aiken`, `qti` (with `safexml`, `files`): the readers and the writer.
- `importer.read_bank(path)`: picks the reader by extension and content.
- `store.save_bank(store, bank)`: one transaction into `question_banks` / `bank_questions`;
  `store.import_bank(store, bank)` does the same unless the same bank is already stored (what
  the CLI and the dialog use); a bank with no question is refused (`NothingToImportError`);
  `store.load_bank(session, bank_id)` reads one back as a `BankImport`.
- `gift_export.write_gift(path, questions)`: a GIFT file, written atomically.
- `commands`: `slate bank import|list|export`.

Readers never touch the store, and report everything they could not carry over as a warning
with its line. Nothing here imports Qt; the dialog is ui/bank_import_dialog.py. This package
imports nothing on its own, so that `slate --help` stays fast.
"""
