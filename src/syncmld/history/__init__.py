"""What was done to an account's items, and taking it back: the change sessions the store records
(``recording``), listing them (``sessions``), undoing one (``undo``), what a sync would do (``preview``),
and merging duplicates (``dedupe``)."""
