"""Places of the two demo districts (演示数据): towns with real names, some real village names,
and syllables to compose plausible names for the rest. Codes are plausible, not official."""

# 门头沟区 (Beijing), after seed 000: nine towns and 大台街道. (code suffix, name, pinyin, villages, communities)
MENTOUGOU = {
    "code": "110109000000", "name": "门头沟区", "pinyin": "Mentougou Qu", "en": "Mentougou District",
    "towns": [
        ("004", "大台街道", "Datai Jiedao", "subdistrict", 2, 4),
        ("101", "龙泉镇", "Longquan Zhen", "town", 12, 4),
        ("102", "永定镇", "Yongding Zhen", "town", 11, 3),
        ("103", "潭柘寺镇", "Tanzhesi Zhen", "town", 22, 0),
        ("104", "斋堂镇", "Zhaitang Zhen", "town", 28, 0),
        ("105", "军庄镇", "Junzhuang Zhen", "town", 15, 0),
        ("106", "妙峰山镇", "Miaofengshan Zhen", "town", 20, 0),
        ("107", "王平镇", "Wangping Zhen", "town", 13, 0),
        ("108", "雁翅镇", "Yanchi Zhen", "town", 24, 0),
        ("109", "清水镇", "Qingshui Zhen", "town", 22, 0),
    ],
    # Real village names placed first in their town, with pinyin.
    "known": {
        "004": [("千军台村", "Qianjuntai"), ("庄户村", "Zhuanghu")],
        "101": [("琉璃渠村", "Liuliqu"), ("三家店村", "Sanjiadian"), ("东龙门村", "Donglongmen")],
        "102": [("冯村", "Fengcun"), ("石门营村", "Shimenying"), ("卧龙岗村", "Wolonggang")],
        "103": [("平原村", "Pingyuan"), ("赵家台村", "Zhaojiatai"), ("鲁家滩村", "Lujiatan"), ("南辛房村", "Nanxinfang")],
        "104": [("爨底下村", "Cuandixia"), ("灵水村", "Lingshui"), ("马栏村", "Malan"), ("黄岭西村", "Huanglingxi"),
                ("双石头村", "Shuangshitou"), ("柏峪村", "Baiyu"), ("东胡林村", "Donghulin"), ("西胡林村", "Xihulin"),
                ("桑峪村", "Sangyu"), ("沿河城村", "Yanhecheng")],
        "105": [("孟悟村", "Mengwu"), ("灰峪村", "Huiyu"), ("东山村", "Dongshan")],
        "106": [("涧沟村", "Jiangou"), ("炭厂村", "Tanchang"), ("樱桃沟村", "Yingtaogou"), ("陇驾庄村", "Longjiazhuang")],
        "107": [("东马各庄村", "Dongmagezhuang"), ("韭园村", "Jiuyuan")],
        "108": [("苇子水村", "Weizishui"), ("大村村", "Dacuncun"), ("泗家水村", "Sijiashui"), ("田庄村", "Tianzhuang")],
        "109": [("燕家台村", "Yanjiatai"), ("张家庄村", "Zhangjiazhuang"), ("梁家庄村", "Liangjiazhuang"),
                ("双塘涧村", "Shuangtangjian")],
    },
    "traditional": {"琉璃渠村", "三家店村", "爨底下村", "灵水村", "马栏村", "黄岭西村", "沿河城村", "苇子水村",
                    "千军台村", "东胡林村", "张家庄村", "燕家台村", "碣石村"},
    "tourism": {"爨底下村", "樱桃沟村", "涧沟村", "平原村", "双石头村", "梁家庄村"},
    "communities": [("木城涧", "Muchengjian"), ("大台", "Datai"), ("灰地", "Huidi"), ("千军台", "Qianjuntai"),
                    ("龙泉务", "Longquanwu"), ("琉璃渠", "Liuliqu"), ("滨河", "Binhe"), ("惠民", "Huimin"),
                    ("永定", "Yongding"), ("育新", "Yuxin"), ("石门营", "Shimenying")],
    "suffixes": [("峪", "yu"), ("沟", "gou"), ("台", "tai"), ("庄", "zhuang"), ("岭", "ling"), ("坡", "po"),
                 ("涧", "jian"), ("口", "kou"), ("窑", "yao"), ("铺", "pu"), ("坨", "tuo"), ("水", "shui")],
}

# 郫都区 (Chengdu, Sichuan), after seed 004: 77 villages and 21 communities now; 82 villages before
# five merges of the 村(社区)体制机制改革 that item (四十九) refers to.
PIDU = {
    "code": "510117000000", "name": "郫都区", "pinyin": "Pidu Qu", "en": "Pidu District",
    "towns": [
        ("001", "郫筒街道", "Pitong Jiedao", "subdistrict", 3, 4),
        ("002", "团结街道", "Tuanjie Jiedao", "subdistrict", 6, 2),
        ("003", "犀浦街道", "Xipu Jiedao", "subdistrict", 3, 3),
        ("004", "红光街道", "Hongguang Jiedao", "subdistrict", 5, 2),
        ("005", "安靖街道", "Anjing Jiedao", "subdistrict", 6, 2),
        ("006", "德源街道", "Deyuan Jiedao", "subdistrict", 5, 2),
        ("007", "合作街道", "Hezuo Jiedao", "subdistrict", 4, 2),
        ("008", "安德街道", "Ande Jiedao", "subdistrict", 8, 1),
        ("101", "唐昌镇", "Tangchang Zhen", "town", 11, 1),
        ("102", "三道堰镇", "Sandaoyan Zhen", "town", 7, 1),
        ("103", "友爱镇", "You'ai Zhen", "town", 9, 1),
        ("104", "古城镇", "Gucheng Zhen", "town", 8, 0),
        ("105", "唐元镇", "Tangyuan Zhen", "town", 7, 0),
    ],
    "known": {
        "101": [("战旗村", "Zhanqi"), ("先锋村", "Xianfeng"), ("金星村", "Jinxing")],
        "102": [("青杠树村", "Qinggangshu"), ("秦家庙村", "Qinjiamiao")],
        "103": [("农科村", "Nongke"), ("东林村", "Donglin")],
        "008": [("安龙村", "Anlong")],
    },
    "traditional": set(),
    "tourism": {"战旗村", "农科村", "青杠树村", "东林村"},
    "communities": [("和平", "Heping"), ("望丛", "Wangcong"), ("鹃城", "Juancheng"), ("蜀都", "Shudu"),
                    ("幸福", "Xingfu"), ("安康", "Ankang"), ("新华", "Xinhua"), ("阳光", "Yangguang"),
                    ("翠湖", "Cuihu"), ("书香", "Shuxiang"), ("花园", "Huayuan"), ("清河", "Qinghe"),
                    ("古城", "Gucheng"), ("长乐", "Changle"), ("向阳", "Xiangyang"), ("平安", "Ping'an"),
                    ("德润", "Derun"), ("嘉禾", "Jiahe"), ("兴隆", "Xinglong"), ("锦绣", "Jinxiu"),
                    ("丰收", "Fengshou")],
    "suffixes": [("桥", "qiao"), ("堰", "yan"), ("林", "lin"), ("湾", "wan"), ("坝", "ba"), ("院", "yuan"),
                 ("碾", "nian"), ("埝", "nian"), ("庙", "miao"), ("塘", "tang"), ("河", "he"), ("店", "dian")],
}

PREFIXES = [("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"), ("上", "shang"), ("下", "xia"),
            ("前", "qian"), ("后", "hou"), ("大", "da"), ("小", "xiao"), ("黄", "huang"), ("白", "bai"),
            ("石", "shi"), ("杨", "yang"), ("李", "li"), ("王", "wang"), ("高", "gao"), ("马", "ma"),
            ("桃", "tao"), ("杏", "xing"), ("枣", "zao"), ("青", "qing"), ("龙", "long"), ("凤", "feng"),
            ("金", "jin"), ("沙", "sha"), ("泉", "quan"), ("双", "shuang"), ("柳", "liu"), ("松", "song"),
            ("太平", "taiping"), ("红星", "hongxing"), ("新民", "xinmin"), ("永兴", "yongxing"), ("长青", "changqing")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林韩谭冯田"
GIVEN = "建国永红国强志刚秀英海军春华玉兰德明少华文斌丽娟桂芳福来树林振兴长生金山"
