"""The fixed set of 30 search queries, and the state the library gets before they run.

The corpus is arXiv (2025-2026, mostly cs.CV, cs.AI, cs.CL) and ACL Anthology (2016 on)
papers, so the queries are what a reader of those would type: common and rare words,
phrases, fields, prefixes, filters, booleans and a typo.
"""

QUERIES = [
    # common words
    "language models",
    "transformer",
    "large language models reasoning",
    "knowledge graph",
    "retrieval augmented generation",
    # phrases
    '"neural machine translation"',
    '"low-resource languages"',
    # prefix
    "multi*",
    # fields
    "author:smith",
    "author:zhang",
    "title:survey",
    "title:benchmark",
    "abstract:hallucination",
    # filters
    "year:2023",
    "year:[2020 TO 2022] translation",
    "is:unread",
    "is:starred",
    "cat:cs.CL",
    "cat:cs.CV segmentation",
    "tag:to-read",
    'tag:"reading group"',
    # booleans
    "bert OR roberta",
    "summarization -survey",
    "(code OR program) AND synthesis",
    # typo tolerance
    "transformr~",
    # rare words
    "quechua",
    "wolof OR yoruba OR swahili",
    "coreference resolution",
    # combined
    'title:"question answering" year:>=2024',
    "sentiment analysis has:doi",
]

# Before the searches the library gets some state, so that state filters have something to find:
# every STEP-th paper (in date order) from OFFSET gets the change.
PREPARED_STATE = [
    # (what, offset, step)
    ("tag:to-read", 0, 50),
    ("tag:reading group", 7, 200),
    ("read", 3, 10),
    ("starred", 5, 100),
]

# The searches run in the memory measurement (typed into the real terminal).
MEMORY_QUERIES = ["language models", "author:zhang", "multi*"]
