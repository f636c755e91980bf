"""The fault-injection suite: what issue 16 tried, and the tests that keep it fixed.

Run it alone with ``make faults`` (``python -m pytest -m faults``): the tests in
this folder and the older tests listed below carry the ``faults`` marker
(tests/conftest.py adds it from :data:`KINDS`; ``test_map.py`` checks that
every listed test exists). Everything is offline, uses no embedding model
except the small embedding-store cases, and runs in about a minute on two
cores.

Kinds (issue 16) and where each is tested:

1. **Caches trusted blindly.** Damaged feature-cache entries (wrong rows,
   altered or NaN values, wrong names, truncated file, another corpus's key)
   recompute with one warning; the SQLite embedding store recreates a damaged
   file and drops damaged rows; an unwritable cache folder warns and the run
   goes on; concurrent writers (feature files, SQLite store) never collide.
   ``test_caches.py`` (end to end through ``score``; four processes on one
   SQLite store), ``tests/test_cache.py``, ``tests/test_embeddings.py``,
   ``tests/test_cli_options.py``.
2. **Outputs that can be lost.** A failed or interrupted ``--force`` write
   leaves the old file whole, for JSON, CSV, Markdown, Parquet, figures,
   Newick, distance matrices, consensus trees, classifiers, over-used lists,
   PDF and HTML reports and report data; outputs are checked before any work;
   an input is never an output; ``collect --out`` never changes a file it did
   not write and leaves no empty file after a fatal error.
   ``test_writes.py``, ``tests/test_files.py``, ``tests/test_cli_options.py``,
   ``tests/test_collect_answers.py``.
3. **Options not validated.** Seeds, bootstrap counts, jobs, alpha, ... are
   refused by the parser in one line and by the library with the same words.
   ``tests/test_cli_options.py``.
4. **Untrusted classifier files.** Pickles, untrusted skops types, broken or
   inconsistent members, decompression bombs (a member that would expand
   past the size cap, a lying size header, too many members, an oversized
   file, a term list of millions of lines within the caps) are one line and
   exit 2, run nothing, and take memory bounded by the file's size.
   ``tests/test_attribution_files.py``.
5. **Untrusted text on a screen.** Escape sequences in model names and
   outputs are shown escaped in every terminal view: score table and inspect
   (``tests/test_terminal.py``), tree text, benchmark table and Markdown,
   attribute, over-used lists, warnings (``test_terminal_views.py``), and in
   the HTML and PDF reports and every figure, read back (``test_report_views.py``);
   any model name can be selected (``tests/test_cli_options.py``).
6. **Results that look meaningful but are not.** Two models, identical
   outputs, a null without spread, a tree of identical outputs, the report of
   them: each states what cannot be computed (``test_degenerate.py``);
   degenerate models stay out of default pools (``tests/test_scoring.py``).
7. **Messages that point to the wrong fix.** Library messages name
   parameters the command line shows as its own flags; a mistyped or
   misplaced option is answered by its command with the closest real option;
   every flag a help text names exists; gzip and pretty-printed JSON get the
   right advice; warnings are one line. ``test_messages.py``,
   ``tests/test_cli_options.py``, ``tests/test_shapes.py``.
8. **Silent wrong results on the inputs people have** (issue 24, field cases
   13-27 and two kinds found beside them). Multi-turn chats (each answer paired
   with the turn it answers), MT-Bench models named by their answer file, model
   names made of other names and the option separator, a lineage row whose
   teacher is not in the pool, every model degenerate, column options a shape
   cannot use, streaming placeholders as answers, a degenerate model named as a
   reference, API and lm-eval dumps, Excel and TSV delimiters, a model with no
   usable output, a result written into the DATA folder, JSON keyed by model,
   results that moved with the spelling of the prompt ids, collect's
   refusals, cut answers and dummy keys. ``tests/test_field_cases_3.py`` and
   the tests listed under this kind; the terms bomb of a classifier file (case
   13: memory bounded by the file) is in ``tests/test_attribution_files.py``
   (kind 4), the HTML, PDF and figures of hostile names (case 14) in
   ``test_report_views.py`` (kind 5).
"""

from __future__ import annotations

#: Issue 16's kinds -> tests outside this folder that belong to the suite, as
#: "file::test" (every parametrization) or "file" (the whole module). The tests
#: in this folder are in the suite too.
KINDS: dict[str, list[str]] = {
    "1. caches": [
        "tests/test_cache.py::test_damaged_entry_is_recomputed_with_a_warning",
        "tests/test_cache.py::test_entry_under_another_key_is_refused",
        "tests/test_cache.py::test_sparse_entries_round_trip",
        "tests/test_cache.py::test_unwritable_cache_folder_warns_and_the_run_goes_on",
        "tests/test_cache.py::test_concurrent_writers_never_collide",
        "tests/test_embeddings.py::test_corrupt_entries_are_recomputed",
        "tests/test_embeddings.py::test_corrupt_database_file_is_recreated",
        "tests/test_embeddings.py::test_unwritable_cache_dir_warns_and_continues",
        "tests/test_cli_options.py::test_unusable_cache_dir_warns_naming_the_option",
    ],
    "2. outputs": [
        "tests/test_files.py",
        "tests/test_cli_options.py::test_existing_outputs_are_refused_before_any_work",
        "tests/test_cli_options.py::test_an_input_is_never_an_output",
        "tests/test_cli_options.py::test_a_failed_forced_write_keeps_the_old_file",
        "tests/test_cli_options.py::test_json_output_never_holds_nan",
        "tests/test_cli_data.py::test_no_data_path_is_an_output",
        "tests/test_collect_answers.py::test_a_file_collect_did_not_write_is_never_changed",
        "tests/test_collect_answers.py::test_a_fatal_error_leaves_no_empty_file",
    ],
    "3. options": [
        "tests/test_cli_options.py::test_numeric_options_are_checked_by_the_parser",
        "tests/test_cli_options.py::test_library_rejects_the_same_values",
    ],
    "4. hostile classifier files": [
        "tests/test_attribution_files.py",
    ],
    "5. untrusted text on a screen": [
        "tests/test_terminal.py",
        "tests/test_cli_options.py::test_any_model_name_can_be_selected",
        "tests/test_cli_options.py::test_split_names_takes_a_whole_name_with_a_comma",
    ],
    "6. degenerate corpora": [
        "tests/test_scoring.py::test_degenerate_models_stay_out_of_default_pools",
    ],
    "7. messages": [
        "tests/test_cli_options.py::test_library_messages_name_parameters_that_are_flags",
        "tests/test_cli_options.py::test_show_flags_uses_the_commands_own_flags",
        "tests/test_cli_options.py::test_library_errors_show_flags",
        "tests/test_cli_options.py::test_warnings_print_as_one_line_without_source_paths",
        "tests/test_shapes.py::test_compressed_files",
        "tests/test_shapes.py::test_pretty_printed_json_named_jsonl_gets_the_right_advice",
    ],
    "8. silent wrong results on the inputs people have (issue 24)": [
        "tests/test_shapes.py::test_multi_turn_chats_give_one_record_per_exchange",
        "tests/test_shapes.py::test_mtbench_models_are_named_by_their_answer_file",
        "tests/test_cli_options.py::"
        "test_a_name_made_of_other_names_is_chosen_exactly_or_refused_as_ambiguous",
        "tests/test_protocol.py::test_a_teacher_outside_the_pool_is_accepted_and_still_informs_the_panel",
        "tests/test_field_cases_3.py::test_15_every_model_degenerate_is_the_reason_given",
        "tests/test_field_cases_3.py::test_17_column_flags_that_cannot_apply_are_an_error",
        "tests/test_field_cases_3.py::test_17_streaming_placeholders_are_flagged_degenerate",
        "tests/test_field_cases_3.py::test_18_a_named_degenerate_reference_model_is_kept_with_a_warning",
        "tests/test_field_cases_3.py::test_20_api_and_harness_dumps_read_like_the_other_shapes",
        "tests/test_field_cases_3.py::test_20_batch_output_joined_with_its_input_by_custom_id",
        "tests/test_field_cases_3.py::test_21_excel_semicolon_csv_and_tsv",
        "tests/test_field_cases_3.py::test_22_a_model_with_only_empty_outputs_is_named_as_such",
        "tests/test_field_cases_3.py::test_23_a_result_is_not_written_into_the_folder_read_as_data",
        "tests/test_field_cases_3.py::test_24_json_keyed_by_model",
        "tests/test_field_cases_3.py::test_27_results_do_not_depend_on_how_prompt_ids_are_spelled",
        "tests/test_collect_answers.py::test_refusals_cut_answers_and_a_dummy_key",
    ],
}


def listed() -> set[str]:
    """Every entry of :data:`KINDS`."""
    return {entry for entries in KINDS.values() for entry in entries}


def in_suite(nodeid: str) -> bool:
    """Whether a collected test (its node id, from the repository root) is in the suite."""
    path, _, name = nodeid.partition("::")
    if path.startswith("tests/faults/"):
        return True
    entries = listed()
    return path in entries or f"{path}::{name.split('[')[0]}" in entries
