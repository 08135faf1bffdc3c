# %% [markdown]
# # stancemap from Python: the whole map in a notebook
#
# Run it as a script (`python examples/api_tour.py [STORE]`) or cell by cell in Jupyter / VS Code
# (`# %%` cells). It stores the bundled example corpus, codes it for the troops-to-Ukraine debate,
# reads positions, a timeline, the network and coalitions, and reviews one stance (then undoes it).

# %%
import sys
import tempfile
from pathlib import Path

import stancemap

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus" / "briefs.jsonl"
DEBATE = HERE.parent / "debates" / "western-troops-ukraine.yaml"
db = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "tour.db")

store = stancemap.open(db)  # a SQLite file (created), or "postgresql://user@host/db"
report = store.ingest([str(CORPUS)], mode="fast")  # mode="accurate" (the default) uses the trained tagger
print(report.summary())

# %% [markdown]
# ## Statements: who said what, when, to whom

# %%
df = store.statements_df(kind="direct")
print(df[["date", "actor", "content_text"]].head())
print(len(store.statements(text='"ground troops" OR "red lines"')), "statements about troops or red lines")

# %% [markdown]
# ## A debate: code the statements, then read positions (always current: new statements are coded first)

# %%
print(store.apply(DEBATE).summary())
positions = store.positions("western-troops-ukraine")  # the debate's id, now that it is in the store
print(positions[["actor", "proposition", "position", "support", "oppose", "conditional", "first", "last"]])

# %%
macron = store.timeline("Macron", debate="western-troops-ukraine")
print(macron[["date", "proposition", "stance", "condition", "text"]])
print("stance changes:", macron.attrs["changes"])

# %% [markdown]
# ## Networks and coalitions (networkx graphs; DNA semantics)

# %%
g = store.network("western-troops-ukraine", type="congruence")
print(g.number_of_nodes(), "actors,", g.number_of_edges(), "ties")
print(store.coalitions("western-troops-ukraine", window="60d", step="30d").head())

# %% [markdown]
# ## Review: correct the machine (audited, undoable, never overwritten by a re-apply)

# %%
row = macron.iloc[0]
entry = store.review_stance(int(row.stance_id), label="conditional", by="tour", note="checked")
print(store.audit_log(limit=1)[0].to_json())
store.undo(entry.id, by="tour")
store.close()
