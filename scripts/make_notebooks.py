"""Write the case-research notebooks (outputs empty: git holds no outputs). Run after editing the cells."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent.parent / "notebooks"

NOTEBOOKS = {
    "01-quick-start.ipynb": [
        new_markdown_cell("# equitygraph quick start\n\nGenerate a small synthetic case, load it into the embedded "
                          "store, and ask the questions an investigator asks. Every cell calls the library; the "
                          "results render as tables."),
        new_code_cell("import os, tempfile\nfrom pathlib import Path\n\n"
                      "from equitygraph.graph.stores.sqlite import SQLiteStore\n"
                      "from equitygraph.loaders.csv_folder import load_folder\n"
                      "from equitygraph.loaders.synthetic import generate_case, read_ground_truth\n"
                      "from equitygraph.queries.company import company_report\n"
                      "from equitygraph.queries.control.report import control_report\n"
                      "from equitygraph.queries.search import search_entities\n\n"
                      "work = Path(tempfile.mkdtemp())\n"
                      "summary = generate_case(work / 'case', companies=int(os.environ.get('EQUITYGRAPH_NB_COMPANIES', 400)), seed=7)\n"
                      "store = SQLiteStore(work / 'case.db')\n"
                      "report = load_folder(store, work / 'case')\n"
                      "summary, report.rows"),
        new_code_cell("search_entities(store, '控股集团', limit=5)"),
        new_code_cell("truth = [t for t in read_ground_truth(work / 'case') if t['hidden_controller_id'] and t['group_id']]\n"
                      "company_id = truth[0]['entity_id']\n"
                      "company = company_report(store, company_id)\n"
                      "company.to_frame(0)"),
        new_code_cell("control = control_report(store, company_id)\ncontrol"),
        new_code_cell("assert control.actual_controllers == (truth[0]['controller_id'],)\n"
                      "control.to_frame(3)  # ultimate owners with integrated ownership"),
    ],
    "02-hidden-control-case-study.ipynb": [
        new_markdown_cell("# Case study: a controller on record, and the person behind them\n\n"
                          "An illegal-fundraising ring hides its boss behind nominees. The registry shows the "
                          "nominee; the shared phone or address gives the boss away, and the stake handed over "
                          "shortly before the case shows who held it when the money was raised."),
        new_code_cell("import os, tempfile, datetime as dt\nfrom pathlib import Path\n\n"
                      "from equitygraph.graph.stores.sqlite import SQLiteStore\n"
                      "from equitygraph.loaders.csv_folder import load_folder\n"
                      "from equitygraph.loaders.synthetic import generate_case, read_ground_truth\n"
                      "from equitygraph.queries.control.report import control_report\n"
                      "from equitygraph.queries.pages.graph_page import graph_page\n\n"
                      "work = Path(tempfile.mkdtemp())\n"
                      "generate_case(work / 'case', companies=int(os.environ.get('EQUITYGRAPH_NB_COMPANIES', 2000)), seed=3)\n"
                      "store = SQLiteStore(work / 'case.db')\n"
                      "load_folder(store, work / 'case').rows"),
        new_code_cell("truth = {t['entity_id']: t for t in read_ground_truth(work / 'case')}\n"
                      "handed_over = [h for h in store.iter_records() if type(h).__name__ == 'Holding' and h.until\n"
                      "               and truth.get(h.company_id, {}).get('ring_id')\n"
                      "               and h.holder_id == truth[h.company_id]['hidden_controller_id']]\n"
                      "case = handed_over[0]\n"
                      "today = control_report(store, case.company_id)\ntoday"),
        new_code_cell("then = control_report(store, case.company_id, as_of=case.until - dt.timedelta(days=1))\n"
                      "(today.actual_controllers, then.actual_controllers, case.holder_id)"),
        new_code_cell("assert then.actual_controllers == (case.holder_id,)\n"
                      "[(s.kind, s.evidence) for s in today.signals]"),
        new_code_cell("page = graph_page(store, case.company_id)\n"
                      "path = page.save(work / 'ring.html')\n"
                      "path, page.nodes, page.edges"),
    ],
    "03-neo4j-walkthrough.ipynb": [
        new_markdown_cell("# Neo4j walk-through\n\nStart the project's own Neo4j server, load a case into it, query it "
                          "from the notebook, and check that it answers exactly as the embedded store does."),
        new_code_cell("import os, tempfile\nfrom pathlib import Path\n\n"
                      "from equitygraph.graph.stores.neo4j_server import Neo4jServer, free_port\n"
                      "from equitygraph.graph.stores.neo4j import Neo4jStore\n"
                      "from equitygraph.graph.stores.sqlite import SQLiteStore\n"
                      "from equitygraph.loaders.csv_folder import load_folder\n"
                      "from equitygraph.loaders.synthetic import generate_case\n"
                      "from equitygraph.queries.control.report import control_report\n\n"
                      "work = Path(tempfile.mkdtemp())\n"
                      "lib = os.environ.get('EQUITYGRAPH_NEO4J_LIB')  # jars assembled by `equitygraph neo4j install`\n"
                      "server = Neo4jServer(work / 'neo4j', port=free_port(), lib=lib)\n"
                      "server.start(heap='1g', pagecache='256m')"),
        new_code_cell("generate_case(work / 'case', companies=int(os.environ.get('EQUITYGRAPH_NB_COMPANIES', 1000)), seed=5)\n"
                      "graph = Neo4jStore(server.uri, password=server.stored_password())  # authentication is on by default\n"
                      "embedded = SQLiteStore(work / 'case.db')\n"
                      "load_folder(graph, work / 'case').rows, load_folder(embedded, work / 'case').rows"),
        new_code_cell("graph.cypher('MATCH (p:Person)-[h:HOLDS]->(c:Company) RETURN p.name AS person, count(c) AS companies '\n"
                      "             'ORDER BY companies DESC, person LIMIT 5')"),
        new_code_cell("company = embedded.search('控股集团', limit=1)[0].entity.id\n"
                      "assert control_report(graph, company).to_dict() == control_report(embedded, company).to_dict()\n"
                      "control_report(graph, company)"),
        new_code_cell("graph.close(); embedded.close(); server.stop()"),
    ],
    "04-related-parties-case-research.ipynb": [
        new_markdown_cell("# Which companies belong together, and why\n\n"
                          "A local finance bureau receives complaints about one company. Its register shows an "
                          "ordinary holder; nothing on record ties it to anyone. This notebook starts from such a "
                          "company of a planted fundraising ring and asks the second question of every "
                          "fundraising investigation: which companies belong with it, and why."),
        new_code_cell("import os, tempfile\nfrom pathlib import Path\n\n"
                      "import matplotlib.pyplot as plt\n\n"
                      "from equitygraph.graph.stores.sqlite import SQLiteStore\n"
                      "from equitygraph.loaders.csv_folder import load_folder\n"
                      "from equitygraph.loaders.synthetic import generate_case, read_ground_truth\n"
                      "from equitygraph.queries.analyze import analyze\n"
                      "from equitygraph.queries.relations.groups import cluster_of\n"
                      "from equitygraph.queries.pages.graph_page import cluster_page\n"
                      "from equitygraph.queries.relations.paths import paths_between\n"
                      "from equitygraph.queries.relations.related import related_parties\n\n"
                      "work = Path(tempfile.mkdtemp())\n"
                      "generate_case(work / 'case', companies=int(os.environ.get('EQUITYGRAPH_NB_COMPANIES', 2000)), seed=3)\n"
                      "store = SQLiteStore(work / 'case.db')\n"
                      "load_folder(store, work / 'case')\n"
                      "analyze(store)  # control, groups and clusters of the whole graph, written back"),
        new_markdown_cell("A ring member with no complaint, no news, no case: it looks clean on its own. "
                          "The registry names a nominee as its controller."),
        new_code_cell("truth = read_ground_truth(work / 'case')\n"
                      "member = next(t for t in truth if t['ring_role'] == 'hidden')\n"
                      "boss = member['hidden_controller_id']\n"
                      "related = related_parties(store, member['entity_id'])\n"
                      "related"),
        new_markdown_cell("Related parties in law come first, each with its rule; the suspected links follow, "
                          "each with a strength and its reason. A chart reads faster than the table: which kinds "
                          "of link tie this company to others, and how strongly."),
        new_code_cell("links = {}\n"
                      "for party in related.suspected:\n"
                      "    links.setdefault(party.relation.replace('_', ' '), []).append(party.strength)\n"
                      "figure, axes = plt.subplots(figsize=(6, 2.5))\n"
                      "axes.barh(list(links), [len(v) for v in links.values()], color='#ff7f0e')\n"
                      "axes.set_xlabel('suspected links'); axes.set_title('What ties the company to others')\n"
                      "figure.tight_layout()\nplt.close(figure)  # shown once, as the cell's result\nfigure"),
        new_markdown_cell("Its cluster: the parties the ownership, officer, contact and declared links hold "
                          "together, split where a component is too large to read."),
        new_code_cell("cluster = cluster_of(store, member['entity_id'])\ncluster"),
        new_code_cell("ring = {t['entity_id'] for t in truth if t['ring_id'] == member['ring_id']}\n"
                      "in_cluster = {m[0] for m in cluster.members}\n"
                      "print(f'{len(ring & in_cluster)} of the {len(ring)} ring members are in this cluster')\n"
                      "assert len(ring & in_cluster) >= len(ring) // 2"),
        new_markdown_cell("The path from the company to the boss behind the nominees: every hop explained."),
        new_code_cell("path = paths_between(store, member['entity_id'], boss, k=2)\n"
                      "assert path.paths, 'the boss is reachable'\npath"),
        new_markdown_cell("The cluster drawn inline (the page works offline: vis-network is embedded)."),
        new_code_cell("cluster_page(store, member['entity_id'], max_nodes=80)"),
        new_code_cell("store.close()"),
    ],
    "05-early-warning-risk.ipynb": [
        new_markdown_cell("# Early warnings of illegal fundraising\n\n"
                          "A finance bureau has the registry and the complaints it already holds, and a few "
                          "confirmed cases. Which companies with no case yet look most like the next ring, and "
                          "why? This notebook scores a generated case, traces one warning through the graph, and "
                          "measures the scores honestly: as of a past date, against the cases confirmed after it."),
        new_code_cell("import os, tempfile\nfrom pathlib import Path\n\n"
                      "import matplotlib.pyplot as plt\n"
                      "import numpy as np\nfrom sklearn.metrics import roc_curve\n\n"
                      "from equitygraph.graph.analysis.risk_eval import cases_after\n"
                      "from equitygraph.graph.arrays import day_number\n"
                      "from equitygraph.graph.stores.sqlite import SQLiteStore\n"
                      "from equitygraph.loaders.csv_folder import load_folder\n"
                      "from equitygraph.loaders.synthetic import generate_case, read_ground_truth\n"
                      "from equitygraph.queries.analyze import analyze\n"
                      "from equitygraph.queries.pages.graph_page import graph_page\n"
                      "from equitygraph.queries.risk.scores import risk_of, score_all, warnings\n"
                      "from equitygraph.queries.risk.config import load_config\n"
                      "from equitygraph.queries.risk.evaluate import default_past_date, evaluate_past\n\n"
                      "work = Path(tempfile.mkdtemp())\n"
                      "generate_case(work / 'case', companies=int(os.environ.get('EQUITYGRAPH_NB_COMPANIES', 6000)), seed=3)\n"
                      "store = SQLiteStore(work / 'case.db')\n"
                      "load_folder(store, work / 'case')\n"
                      "config = load_config()  # the shipped risk.toml: every weight, word and threshold\n"
                      "analyze(store, risk_config=config)  # scores, tiers and reasons written back"),
        new_markdown_cell("The early-warning list: companies with no confirmed case yet, riskiest first, each with "
                          "the three largest parts of its score."),
        new_code_cell("listed = warnings(store, config, top=15)\nlisted"),
        new_markdown_cell("How many of them are members of a planted ring (the generator's ground truth), and how "
                          "many are decoys that only look risky?"),
        new_code_cell("truth = {t['entity_id']: t for t in read_ground_truth(work / 'case')}\n"
                      "roles = [truth[row['id']]['ring_role'] or 'ordinary' for row in listed.rows]\n"
                      "{role: roles.count(role) for role in sorted(set(roles))}"),
        new_markdown_cell("One warned company that looks clean on its own: its score comes from the network. The "
                          "explanation names the source and the path."),
        new_code_cell("scores = score_all(store, config)\n"
                      "clean = next(row for row in listed.rows if row['intrinsic'] < 0.05)\n"
                      "report = risk_of(store, clean['id'], config, scores=scores)\n"
                      "report"),
        new_code_cell("source = next(part for part in report.explanation.parts if part.source)\n"
                      "print(source.words)\nprint(' -> '.join(source.path))\n"
                      "assert truth[source.source]['ring_id'] == truth[clean['id']]['ring_id'], 'the source is of its ring'"),
        new_markdown_cell("The path drawn: companies filled by tier (yellow, orange, red; confirmed cases dark red), "
                          "the reason in each tooltip."),
        new_code_cell("graph_page(store, clean['id'], depth=max(2, len(source.path) - 1), max_nodes=80)"),
        new_markdown_cell("## Does it work? Scored as of a past date\n\n"
                          "Only the facts dated on or before the date count. The positives are the companies "
                          "whose first confirmed case came after it."),
        new_code_cell("day = default_past_date(store.export_arrays())\n"
                      "evaluation = evaluate_past(store, config, day, k=20)\nevaluation"),
        new_code_cell("then = score_all(store, config, as_of=day)\n"
                      "arrays = then.arrays\n"
                      "candidates = (arrays.kinds == 0) & ~then.found.confirmed\n"
                      "later = cases_after(arrays, day_number(day, 0))[candidates]\n"
                      "by_scoring = {'intrinsic only': then.found.intrinsic, 'network only': then.network.score, "
                      "'combined': then.combined}\n"
                      "figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))\n"
                      "for name, values in by_scoring.items():\n"
                      "    values = values[candidates]\n"
                      "    false_positive, true_positive, _ = roc_curve(later, values)\n"
                      "    left.plot(false_positive, true_positive, label=name)\n"
                      "    order = np.argsort(-values, kind='stable')\n"
                      "    ks = np.arange(1, 201)\n"
                      "    right.plot(ks, np.cumsum(later[order][:200]) / ks, label=name)\n"
                      "left.plot([0, 1], [0, 1], color='#bbb', linestyle=':')\n"
                      "left.set_xlabel('false positive rate'); left.set_ylabel('true positive rate'); left.set_title('ROC')\n"
                      "right.set_xlabel('k (companies warned)'); right.set_ylabel('precision@k'); right.set_title('precision@k')\n"
                      "left.legend(); right.legend(); figure.tight_layout()\nplt.close(figure)  # shown once, as the cell's result\nfigure"),
        new_markdown_cell("Intrinsic against network: each company with no case yet, its two parts. The companies "
                          "confirmed later sit high on the network axis; the decoys sit right, with nothing above "
                          "them."),
        new_code_cell("figure, axes = plt.subplots(figsize=(6, 4.5))\n"
                      "intrinsic, network = then.found.intrinsic[candidates], then.network.score[candidates]\n"
                      "axes.scatter(intrinsic[~later], network[~later], s=4, color='#bbb', label='no case after the date')\n"
                      "axes.scatter(intrinsic[later], network[later], s=18, color='#d62728', label='confirmed after the date')\n"
                      "axes.set_xlabel('intrinsic score'); axes.set_ylabel('network score'); axes.legend()\n"
                      "figure.tight_layout()\nplt.close(figure)  # shown once, as the cell's result\nfigure"),
        new_code_cell("assert evaluation.mean('combined', 'roc_auc') > evaluation.mean('intrinsic', 'roc_auc')\n"
                      "store.close()"),
    ],
}

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                      "language": "python"}})
        nbformat.write(notebook, HERE / name)
        print(HERE / name)
