"""Word lists for synthetic cases: realistic enough that names read like registry entries."""

# Brand characters with their pinyin, so English aliases need no transliteration library.
BRAND_CHARS = (
    ("华", "Hua"), ("信", "Xin"), ("通", "Tong"), ("达", "Da"), ("恒", "Heng"), ("泰", "Tai"), ("鑫", "Xin"),
    ("隆", "Long"), ("盛", "Sheng"), ("安", "An"), ("嘉", "Jia"), ("润", "Run"), ("融", "Rong"), ("汇", "Hui"),
    ("丰", "Feng"), ("瑞", "Rui"), ("宏", "Hong"), ("远", "Yuan"), ("金", "Jin"), ("银", "Yin"), ("宝", "Bao"),
    ("德", "De"), ("诚", "Cheng"), ("佳", "Jia"), ("博", "Bo"), ("创", "Chuang"), ("新", "Xin"), ("天", "Tian"),
    ("海", "Hai"), ("中", "Zhong"), ("东", "Dong"), ("方", "Fang"), ("明", "Ming"), ("亿", "Yi"), ("凯", "Kai"),
    ("昌", "Chang"), ("富", "Fu"), ("祥", "Xiang"), ("和", "He"), ("兴", "Xing"), ("源", "Yuan"), ("腾", "Teng"),
    ("永", "Yong"), ("顺", "Shun"), ("乾", "Qian"), ("坤", "Kun"), ("联", "Lian"), ("合", "He"), ("众", "Zhong"),
    ("鼎", "Ding"), ("晟", "Sheng"), ("弘", "Hong"), ("浩", "Hao"), ("星", "Xing"), ("辰", "Chen"), ("云", "Yun"),
    ("智", "Zhi"), ("君", "Jun"), ("泽", "Ze"), ("康", "Kang"), ("宇", "Yu"), ("峰", "Feng"), ("景", "Jing"),
    ("越", "Yue"), ("高", "Gao"), ("正", "Zheng"), ("贝", "Bei"), ("锦", "Jin"), ("绿", "Lv"), ("蓝", "Lan"),
    ("光", "Guang"), ("先", "Xian"), ("领", "Ling"), ("卓", "Zhuo"), ("尚", "Shang"), ("建", "Jian"),
    ("国", "Guo"), ("元", "Yuan"), ("启", "Qi"),
)

# Regions with the first six digits of their administrative division code.
REGIONS = (
    ("北京", "110105"), ("上海", "310115"), ("深圳", "440300"), ("广州", "440106"), ("杭州", "330106"),
    ("南京", "320102"), ("成都", "510104"), ("武汉", "420102"), ("西安", "610102"), ("重庆", "500103"),
    ("天津", "120101"), ("苏州", "320505"), ("宁波", "330203"), ("厦门", "350203"), ("青岛", "370202"),
    ("长沙", "430102"), ("郑州", "410102"), ("合肥", "340102"), ("福州", "350102"), ("济南", "370102"),
    ("昆明", "530102"), ("南宁", "450102"), ("沈阳", "210102"), ("大连", "210202"), ("哈尔滨", "230102"),
    ("长春", "220102"), ("石家庄", "130102"), ("太原", "140105"), ("南昌", "360102"), ("贵阳", "520102"),
    ("海口", "460105"), ("兰州", "620102"), ("温州", "330302"), ("东莞", "441900"),
)

# (industry, name word, business scope)
INDUSTRIES = (
    ("批发业", "贸易", "日用百货、电子产品、五金交电的批发与零售"),
    ("软件和信息技术服务业", "科技", "软件开发；信息技术咨询服务；数据处理"),
    ("商务服务业", "商务咨询", "企业管理咨询；商务信息咨询；会议及展览服务"),
    ("房地产业", "置业", "房地产开发经营；物业管理"),
    ("建筑业", "建设工程", "房屋建筑工程施工；市政工程"),
    ("制造业", "实业", "机械设备制造；金属制品加工"),
    ("零售业", "商贸", "食品、服装、日用品零售"),
    ("道路运输业", "物流", "普通货物道路运输；仓储服务"),
    ("餐饮业", "餐饮管理", "餐饮服务；食品销售"),
    ("农业", "农业开发", "农作物种植；农产品初加工"),
    ("文化艺术业", "文化传媒", "文化艺术交流活动策划；广告设计、制作"),
    ("资本市场服务", "投资", "以自有资金从事投资活动"),
    ("教育", "教育科技", "教育咨询服务；技术培训"),
    ("卫生", "健康管理", "健康咨询服务；养老服务"),
)

# Words that illegal-fundraising platforms favour (wealth management, P2P, supply-chain finance).
RING_WORDS = (
    ("其他金融业", "财富管理", "投资管理；资产管理；投资咨询（不得从事吸收存款、集资收款）"),
    ("其他金融业", "金融信息服务", "金融信息服务；接受金融机构委托从事信息技术外包"),
    ("资本市场服务", "资产管理", "资产管理；股权投资；投资咨询"),
    ("商务服务业", "投资咨询", "投资咨询；财务咨询；企业管理咨询"),
    ("其他金融业", "供应链管理", "供应链管理服务；商业保理"),
    ("农业", "生态农业", "生态农业开发；养老项目投资；农产品销售"),
)

COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")

# The most common Chinese surnames, most common first, and characters for given names.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯健俊帆帅旭宁"
    "晨阳鑫欣怡婷雪琳慧颖倩晶佳悦雨欣子涵思梓博文轩浩然一诺梦琪晓东海燕春梅丹荣新亮成林飞波"
)

LATIN_FIRST = ("John", "Mary", "David", "Linda", "Michael", "Susan", "Peter", "Anna", "James", "Grace", "Kevin", "Helen")
LATIN_LAST = ("Smith", "Chan", "Wong", "Lee", "Brown", "Taylor", "Ng", "Lam", "Cheung", "Walker", "Ho", "Tan")
LATIN_WORDS = ("Golden", "Bright", "Pacific", "Harbour", "Summit", "Silver", "Eastern", "Crown", "Jade", "Dragon",
               "Phoenix", "Oriental", "Everest", "Pioneer", "Blue Ocean", "Grand", "Prosper", "Fortune")
LATIN_NOUNS = ("Bridge", "Star", "Peak", "Gate", "Link", "Wave", "Tree", "Stone", "River", "Horizon", "Field", "Rock")
LATIN_FORMS = ("Holdings Limited", "Capital Limited", "Investment Limited", "International Limited", "Group Ltd.",
               "Ventures Ltd.")
OFFSHORE = (("VG", "British Virgin Islands"), ("KY", "Cayman Islands"), ("HK", "Hong Kong"), ("SG", "Singapore"))

STREETS = ("建国路", "人民路", "解放路", "中山路", "长安街", "南京路", "科技园路", "滨海大道", "金融街", "世纪大道",
           "创业路", "东风路", "新华路", "光明路", "和平路", "学府路")

STATUS_WEIGHTS = (("存续", 85), ("注销", 9), ("吊销", 4), ("迁出", 2))

EVENT_TEXTS = {
    "confirmed_case": ("{name}涉嫌非法吸收公众存款案已被公安机关立案侦查", "{name}集资诈骗案经法院判决认定"),
    "complaint": ("投资人投诉{name}到期不兑付本息", "多名群众反映{name}以高息为诱饵推销理财产品"),
    "negative_news": ("媒体报道：{name}承诺年化收益18%，疑似庞氏骗局", "{name}办公地点人去楼空，投资者上门讨要说法"),
    "court_case": ("{name}民间借贷纠纷案（被告）", "{name}买卖合同纠纷案"),
    "penalty": ("{name}因虚假宣传被市场监督管理局罚款", "{name}未按规定报送年度报告被处罚"),
    "abnormal_operation": ("{name}通过登记的住所无法联系，被列入经营异常名录",),
}
