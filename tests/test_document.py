import dataclasses
import pickle

import pytest
from hypothesis import given, strategies as st

from pipeline.document import KEPT, Document, Removal

VALUES = {
    "content": st.text(max_size=20), "status": st.sampled_from(["pending", KEPT]),
    "reason": st.none() | st.text(max_size=5), "similarity": st.none() | st.floats(0, 1),
    "removed": st.lists(st.builds(Removal, st.text(max_size=5), st.just("rule")), max_size=2).map(tuple),
    "offset": st.none() | st.integers(0, 9),
}


@given(st.dictionaries(st.sampled_from(sorted(VALUES)), st.none()).flatmap(
    lambda keys: st.fixed_dictionaries({k: VALUES[k] for k in keys})))
def test_evolve_is_dataclasses_replace(changes):
    doc = Document(id="a", source="s.txt", content="text", meta={"title": "T"})
    new = doc.evolve(**changes)
    assert new == dataclasses.replace(doc, **changes)
    assert type(new) is Document and doc.content == "text"  # the original is untouched
    assert pickle.loads(pickle.dumps(new)) == new


def test_evolve_refuses_unknown_fields():
    with pytest.raises(TypeError, match="'colour'"):
        Document(id="a", source="s").evolve(colour="red")


def test_evolved_documents_stay_frozen():
    new = Document(id="a", source="s").evolve(status=KEPT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        new.status = "pending"
