"""The hand-built risk case the risk tests share: one company per indicator, one confirmed case and
one clean company per kind of link, a clean-looking ring member, a registration agent's hub."""

import datetime as dt
import math

import pytest

from conftest import write_case
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.queries.risk.scores import score_all
from equitygraph.queries.risk.config import load_config

AS_OF = dt.date(2025, 1, 1)
CASE_DAY = "2024-06-01"

# Indicators, one company each (scored as of 2025-01-01). Link types: for each kind X, a confirmed
# case K_X and a clean company T_X tied by X alone; T_X shares an address with a clean Q_X, so that
# the kind's weight counts against another tie. LR1 is a ring member that looks clean: its only tie
# is a legal representative shared with the case K1. A registration agent's address holds 100 tenants,
# five of them confirmed cases; S1 shares a small address with the case S0.
CLEAN = "100万,100万,2015-03-01,日用百货销售"
ENTITIES = "id,kind,name,registered_capital,paid_in_capital,founded,business_scope,address,phone\n" + f"""\
NEWS,company,明远贸易有限公司,{CLEAN},,
PEN,company,宏达建材有限公司,{CLEAN},,
BIZ,company,鑫盛财富管理有限公司,1000万,1000万,2015-03-01,理财产品销售,,
GAP,company,恒通物流有限公司,1000万,0,2010-05-01,货物运输,,
YNG,company,星辰科技有限公司,1亿,1亿,2024-06-01,软件开发,,
CMP,company,安居家政服务有限公司,{CLEAN},,
K1,company,鑫源投资管理有限公司,,,,,,
L1,person,李法人,,,,,,
T1,company,明辉五金有限公司,{CLEAN},,
K_LR,company,案一公司,,,,,,
M_LR,person,吕代表,,,,,,
T_LR,company,乙一商行,{CLEAN},甲路1号,
Q_LR,company,丙一商行,{CLEAN},甲路1号,
K_OF,company,案二公司,,,,,,
M_OF,person,欧董事,,,,,,
T_OF,company,乙二商行,{CLEAN},甲路2号,
Q_OF,company,丙二商行,{CLEAN},甲路2号,
K_CT,company,案三公司,,,,,,0755-0000001
T_CT,company,乙三商行,{CLEAN},甲路3号,0755-0000001
Q_CT,company,丙三商行,{CLEAN},甲路3号,
K_AD,company,案四公司,,,,,丁路4号,
T_AD,company,乙四商行,{CLEAN},甲路4号|丁路4号,
Q_AD,company,丙四商行,{CLEAN},甲路4号,
K_DC,company,案五公司,,,,,,
T_DC,company,乙五商行,{CLEAN},甲路5号,
Q_DC,company,丙五商行,{CLEAN},甲路5号,
K_CL,company,案六公司,,,,,,
T_CL,company,乙六商行,{CLEAN},甲路6号,
Q_CL,company,丙六商行,{CLEAN},甲路6号,
K_HD,company,案七公司,,,,,,
R_HD,person,贺大股东,,,,,,
T_HD,company,乙七商行,{CLEAN},甲路7号,
Q_HD,company,丙七商行,{CLEAN},甲路7号,
PY,person,潘层层,,,,,,
PA,company,一层商行,{CLEAN},,
PB,company,二层商行,{CLEAN},,
PC,company,三层商行,{CLEAN},,
NM,person,倪代持,,,,,,
FC,company,频变商行,{CLEAN},,
X1,person,许一,,,,,,
X2,person,许二,,,,,,
X3,person,许三,,,,,,
HO,company,转手商行,{CLEAN},,
Y1,person,余接手,,,,,,
AB,company,异常商行,{CLEAN},,
S0,company,小案公司,,,,,小巷9号,
S1,company,小巷邻居商行,{CLEAN},小巷9号,
""" + "".join(f"H{k:03d},company,代理户{k:03d}商行,{CLEAN},代理路88号,\n" for k in range(100)) \
    + "".join(f"HP{k:03d},person,代理户主{k:03d},,,,,,\n" for k in range(100)) \
    + "".join(f"NM{k},company,代持{k}号商行,{CLEAN},,\n" for k in range(10))
HOLDINGS = """holder_id,company_id,share,since,until
K_CL,T_CL,100,,
K_HD,T_HD,30,,
R_HD,T_HD,70,,
PY,PA,51,,
PA,PB,51,,
PB,PC,51,,
X1,FC,100,2015-03-01,2024-03-01
X2,FC,100,2024-03-01,2024-09-01
X3,FC,100,2024-09-01,
Y1,HO,100,2024-10-01,
""" + "".join(f"HP{k:03d},H{k:03d},100,,\n" for k in range(100)) + "".join(f"NM,NM{k},100,,\n" for k in range(10))
OFFICERS = "person_id,company_id,role\nL1,K1,legal_representative\nL1,T1,legal_representative\n" \
    "M_LR,K_LR,legal_representative\nM_LR,T_LR,legal_representative\nM_OF,K_OF,director\nM_OF,T_OF,director\n"
RELATIONS = "a_id,b_id,type\nK_DC,T_DC,concert_party\n"
CASES = ["K1", "K_LR", "K_OF", "K_CT", "K_AD", "K_DC", "K_CL", "K_HD", "S0", "H000", "H020", "H040", "H060", "H080"]
EVENTS = "entity_id,type,date,text\n" + "".join(f"{c},confirmed_case,{CASE_DAY},非法吸收公众存款案\n" for c in CASES) + """\
NEWS,negative_news,2025-01-01,新闻一
NEWS,negative_news,2024-01-02,新闻二
NEWS,negative_news,2025-06-01,新闻三
PEN,penalty,2025-01-01,罚款
PEN,court_case,2025-01-01,合同纠纷
CMP,complaint,2025-01-01,投诉一
CMP,complaint,2025-01-01,投诉二
CMP,complaint,2024-01-02,投诉三
CMP,complaint,2025-03-01,投诉四
HO,complaint,2024-12-01,投诉五
AB,abnormal_operation,2024-11-01,经营异常
"""


@pytest.fixture(scope="module")
def risk_case(tmp_path_factory):
    folder = write_case(tmp_path_factory.mktemp("risk") / "case", entities=ENTITIES, holdings=HOLDINGS,
                        officers=OFFICERS, relations=RELATIONS, events=EVENTS)
    db = folder.parent / "risk.db"
    with SQLiteStore(db) as s:
        load_folder(s, folder)
    return folder, db


@pytest.fixture(scope="module")
def risk_store(risk_case):
    with SQLiteStore(risk_case[1]) as s:
        yield s


@pytest.fixture(scope="module")
def scored(risk_store):
    return score_all(risk_store, load_config(), AS_OF)
E1 = 1 - math.exp(-1)  # one event on the as-of date
