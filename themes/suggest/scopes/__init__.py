"""Scopes: which words of a note a negation, a history marker, a condition, a safety plan or a
question covers; who a mention is about; and the regions no cue counts in (measure names,
idioms, headings, the plan).

Each scope opens at a marker and runs forward over the following words until a clause
boundary (. ; : ! ? a dash, a line break, "but", "however"), a scope breaker ("reports",
"currently", "because"), a new clause with the client as subject (", she ...", "as she ...")
or MAX_SCOPE words. Every function takes a ``Note`` and answers per token, so each rule can be
tested, and switched off in a test, on its own.

Each concern has its own module (regions, negation, history, conditions, persons, tone); this
package is the one place the engine reads them from.
"""

from .conditions import (
    answer,
    answer_to_own_question,
    hypothetical_scopes,
    might_return,
    question_scopes,
    score_after,
    see_elsewhere,
)
from .history import historical, history_scopes, is_current_marker, post_history, since_long_ago
from .negation import (
    MAX_SCOPE,
    POST_WINDOW,
    extend_scope,
    governing,
    negation_scopes,
    post_negation,
)
from .persons import client_pronouns, reported_speech, someone_else
from .regions import headings, mask_regions, overlapping, phrases, plan_region
from .tone import in_jest, unwanted

__all__ = [
    "MAX_SCOPE",
    "POST_WINDOW",
    "answer",
    "answer_to_own_question",
    "client_pronouns",
    "extend_scope",
    "governing",
    "headings",
    "historical",
    "history_scopes",
    "hypothetical_scopes",
    "in_jest",
    "is_current_marker",
    "mask_regions",
    "might_return",
    "negation_scopes",
    "overlapping",
    "phrases",
    "plan_region",
    "post_history",
    "post_negation",
    "question_scopes",
    "reported_speech",
    "score_after",
    "see_elsewhere",
    "since_long_ago",
    "someone_else",
    "unwanted",
]
