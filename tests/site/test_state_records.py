"""The build state's rows of articles and claims: read back, each equals what
was built, field by field; and writing them leaves the archive's texts as they
were (CPython keeps the UTF-8 form of every non-ASCII str that pickle writes
inside that str, a second copy of the archive's text until the build ends)."""

from __future__ import annotations

import pickle
import sys

from sitegen.build import BuildOptions, load_checked
from sitegen.content.model import Article, Claim
from sitegen.state import record
from tests.conftest import REPO


def test_articles_and_claims_read_back_as_built_and_their_texts_stay_as_they_were() -> None:
    archive, _ = load_checked(BuildOptions(src=REPO, cache=False, workers=1))
    texts = [a.body for a in archive.articles.values() if not a.body.isascii()]
    texts += [c.review for c in archive.claims.values() if not c.review.isascii()]
    texts += [c.anchor.exact for c in archive.claims.values()
              if c.anchor is not None and not c.anchor.exact.isascii()]
    assert len(texts) >= 3, "the demo site has texts beyond ASCII"
    sizes = [sys.getsizeof(text) for text in texts]
    rows = dict(record._records(archive.articles.values(), archive.claims.values()))
    assert [sys.getsizeof(text) for text in texts] == sizes, "a text gained a UTF-8 copy"
    assert len(rows) == len(archive.articles) + len(archive.claims)
    for slug, article in archive.articles.items():
        stored = pickle.loads(rows[f"article:{slug}"])
        for name in Article.__slots__:
            if name == "document":  # parsed again from the body when used
                assert repr(stored.document) == repr(article.document)  # eq=False: by value
            else:
                assert getattr(stored, name) == getattr(article, name), (slug, name)
    for claim_id, claim in archive.claims.items():
        stored = pickle.loads(rows[f"claim:{claim_id}"])
        for name in Claim.__slots__:
            assert getattr(stored, name) == getattr(claim, name), (claim_id, name)
