"""The query parser: what a therapist types becomes quoted FTS5 terms, whatever it is."""

import sqlite3

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from search.index import TOKENIZER
from search.query import MAX_QUERY_LENGTH, STOP_WORDS_MESSAGE, TRUNCATED_MESSAGE, parse


def run_match(expression: str) -> list:
    """Run the expression against a real FTS5 table: a syntax error would raise here."""
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE d USING fts5(body, tokenize='{TOKENIZER}')")
    db.execute("INSERT INTO d VALUES ('near col foo drop table script alert')")
    return db.execute("SELECT rowid FROM d WHERE d MATCH ?", [expression]).fetchall()


class ParseTests(SimpleTestCase):
    def test_words_phrases_prefixes_and_exclusions(self):
        parsed = parse('Panic "felt dismissed" anx* -mother -"bad day"')
        self.assertEqual(
            parsed.match_expression(),
            '(("panic" OR "panick") AND "felt dismissed" AND "anx" *) NOT ("mother" OR "bad day")',
        )

    def test_an_unbalanced_quote_runs_to_the_end(self):
        self.assertEqual(parse('"felt dismissed by').match_expression(), '"felt dismissed by"')

    def test_lone_star_and_minus_are_ignored(self):
        parsed = parse("* - -- ** grief")
        self.assertEqual(parsed.match_expression(), '"grief"')
        self.assertEqual(parse("* -").terms, [])

    def test_fts_and_sql_syntax_are_only_words(self):
        for raw, expected in [
            ("NEAR(grief loss)", '"near grief" AND "loss"'),
            ("body:grief", '"body grief"'),
            ("'; DROP TABLE meta; --", '"drop" AND "table" AND "meta"'),
            ("grief OR loss", '"grief" AND "loss"'),
            ("^grief", '"grief"'),
        ]:
            with self.subTest(raw=raw):
                parsed = parse(raw)
                self.assertEqual(parsed.match_expression(), expected)
                run_match(parsed.match_expression())

    def test_markup_and_control_characters_are_separators(self):
        self.assertEqual(parse("<b>grief</b>").match_expression(), '"b grief b"')
        self.assertEqual(
            parse("gr\x00ief\u200b\x1bloss").match_expression(), '"gr" AND "ief" AND "loss"'
        )

    def test_stop_words_alone_give_the_helpful_message(self):
        parsed = parse("the and of it")
        self.assertEqual(parsed.terms, [])
        self.assertEqual(parsed.messages, [STOP_WORDS_MESSAGE])
        self.assertEqual(parse('"the end"').match_expression(), '"the end"')

    def test_a_long_query_is_truncated_with_a_message(self):
        parsed = parse("grief loss " * 1000)
        self.assertEqual(parsed.messages, [TRUNCATED_MESSAGE])
        self.assertEqual(parsed.match_expression(), '"grief" AND "loss"')
        self.assertLessEqual(len(parse("x" * 10_000).terms[0].words[0]), MAX_QUERY_LENGTH)

    def test_only_exclusions_have_no_match_expression(self):
        parsed = parse("-mother")
        self.assertEqual(parsed.match_expression(), "")
        self.assertEqual(parsed.exclusion_expression(), '"mother"')

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=200))
    def test_any_text_parses_into_a_valid_expression(self, raw):
        parsed = parse(raw)
        for expression in (parsed.match_expression(), parsed.exclusion_expression()):
            if expression:
                run_match(expression)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.sampled_from(['"', "-", "*", "(", ")", ":", "^", "NEAR", "AND", " ", "x"])))
    def test_fts_operators_in_any_order_never_raise(self, pieces):
        parsed = parse("".join(pieces))
        for expression in (parsed.match_expression(), parsed.exclusion_expression()):
            if expression:
                run_match(expression)
