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
                      "from equitygraph.queries.control import control_report\n"
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
                      "from equitygraph.queries.control import control_report\n"
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
                      "from equitygraph.queries.control import control_report\n\n"
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
                      "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n\n"
                      "from equitygraph.graph.stores.sqlite import SQLiteStore\n"
                      "from equitygraph.loaders.csv_folder import load_folder\n"
                      "from equitygraph.loaders.synthetic import generate_case, read_ground_truth\n"
                      "from equitygraph.queries.analyze import analyze\n"
                      "from equitygraph.queries.groups import cluster_of\n"
                      "from equitygraph.queries.pages.graph_page import cluster_page\n"
                      "from equitygraph.queries.paths import paths_between\n"
                      "from equitygraph.queries.related import related_parties\n\n"
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
                      "figure.tight_layout()\nfigure"),
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
}

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                      "language": "python"}})
        nbformat.write(notebook, HERE / name)
        print(HERE / name)
