// Chinese e-commerce sentiment lexicon (简体; traditional characters are not covered).
//
// How it was made: written by hand for this project, because no usable Chinese lexicon exists on npm (the ones that do
// are machine-translated, academic-licensed, or score e-commerce words like 粗糙 and 破损 wrongly). Terms are the words
// shoppers write about 物流, 质量, 客服, 价格, 尺码, 包装, 正品, 气味, 耐用, 外观 and 使用, on the same scale as the
// English lexicon (±1 plain, ±0.3..0.6 mild, ±1.5..2 strong), tagged with their aspect.
//
// Terms are matched against jieba's words (dictionary mode). Where jieba keeps a degree or negator glued to an opinion
// ("太慢", "不好", "很差"), sentiment.ts splits the word into lexicon words when it is made of nothing else, so 慢 need
// not be listed as 太慢, 很慢, 好慢... Words that are positive although they contain a negator (不错, 没问题 is handled by
// negation of 问题) are listed whole, and whole words win over splitting.

import type { Entry, Lexicon } from './types.ts';
import { opinions } from './types.ts';

const SIZE_CONTEXT = ['尺码', '码', '码数', '号', '尺寸', '大小', '鞋', '衣服', '裤子', '穿', '穿着', '太', '偏', '版型', '腰'];
const SMELL_CONTEXT = ['味道', '气味', '味', '味儿', '异味', '闻'];

const ENTRIES: readonly Entry[] = [
  // general
  ['好', 1], ['不错', 1], ['满意', 1.2], ['喜欢', 1.2], ['推荐', 1], ['值得', 1], ['好评', 1.5], ['五星', 1.2],
  ['完美', 1.5], ['优秀', 1.2], ['棒', 1.2], ['赞', 1.2], ['很棒', 1.4], ['超赞', 1.5], ['给力', 1.2], ['满分', 1.5],
  ['一流', 1.2], ['放心', 1], ['靠谱', 1], ['惊喜', 1.2], ['省心', 1], ['回购', 1], ['还会再来', 1.2], ['下次还来', 1.2],
  ['会再买', 1.2], ['还会买', 1.2], ['到位', 0.8], ['开心', 1.1], ['高兴', 1.1], ['感谢', 0.6], ['谢谢', 0.6],
  ['还行', 0.3], ['还可以', 0.4], ['可以', 0.4], ['挺好', 1.1], ['好好', 1], ['物有所值', 1.2], ['与描述一致', 0.8],
  ['和描述一样', 0.8], ['描述一致', 0.8], ['一致', 0.4],
  ['差', -1.2], ['垃圾', -2], ['失望', -1.5], ['后悔', -1.5], ['坑', -1.2], ['坑人', -1.5], ['骗', -1.5], ['骗人', -1.6],
  ['骗子', -2], ['差评', -1.5], ['退货', -1], ['退款', -0.8], ['退了', -1], ['不行', -1], ['不满', -1.2], ['糟糕', -1.5],
  ['差劲', -1.5], ['烂', -1.5], ['一星', -1.2], ['无语', -1.2], ['恶心', -1.5], ['气人', -1.5], ['生气', -1.3],
  ['遗憾', -0.8], ['浪费', -1.2], ['白买', -1.5], ['智商税', -1.5], ['一般', -0.4], ['凑合', -0.3], ['将就', -0.3],
  ['麻烦', -0.8], ['问题', -0.6], ['毛病', -0.8], ['投诉', -1.2], ['不符', -1.2], ['不一致', -1.1], ['货不对板', -1.5],
  ['鸡肋', -1], ['郁闷', -1.1], ['难受', -1], ['糟心', -1.3], ['闹心', -1.2], ['不推荐', -1.2], ['别买', -1.5],
  ['千万别买', -2], ['上当', -1.5], ['受骗', -1.5], ['错', -0.8],
  // delivery
  ['快', 1, 'delivery'], ['迅速', 1, 'delivery'], ['及时', 1, 'delivery'], ['准时', 1, 'delivery'], ['神速', 1.5, 'delivery'],
  ['很快', 1.3, 'delivery'], ['飞快', 1.4, 'delivery'], ['隔天', 0.6, 'delivery'], ['次日', 0.6, 'delivery'],
  ['慢', -1, 'delivery'], ['太慢', -1.5, 'delivery'], ['延迟', -1, 'delivery'], ['迟迟', -0.9, 'delivery'],
  ['延误', -1.1, 'delivery'], ['丢件', -1.5, 'delivery'], ['丢失', -1.2, 'delivery'], ['丢了', -1.2, 'delivery'],
  ['漏发', -1.2, 'delivery'], ['发错', -1.2, 'delivery'], ['错发', -1.2, 'delivery'], ['少发', -1.2, 'delivery'],
  ['拖', -0.8, 'delivery'], ['磨蹭', -1, 'delivery'], ['一直没到', -1.5, 'delivery'], ['还没到', -1.2, 'delivery'],
  ['还没收到', -1.2, 'delivery'], ['没收到货', -1.3, 'delivery'], ['还没收到货', -1.3, 'delivery'], ['等了', -0.5, 'delivery'],
  // quality
  ['精细', 1, 'quality'], ['精致', 1, 'quality'], ['舒服', 1, 'quality'], ['舒适', 1, 'quality'], ['厚实', 0.8, 'quality'],
  ['柔软', 0.8, 'quality'], ['细腻', 0.8, 'quality'], ['扎实', 1, 'quality'], ['有质感', 1, 'quality'],
  ['粗糙', -1.2, 'quality'], ['劣质', -1.5, 'quality'], ['次品', -1.5, 'quality'], ['瑕疵', -1, 'quality'],
  ['脱线', -1, 'quality'], ['线头', -0.6, 'quality'], ['脏', -1, 'quality'], ['发霉', -1.5, 'quality'],
  ['廉价', -1.1, 'quality'], ['不舒服', -1.1, 'quality'], ['扎人', -1, 'quality'], ['薄', -0.5, 'quality'],
  ['起毛', -0.9, 'quality'], ['划痕', -1, 'quality'], ['污渍', -1, 'quality'],
  // service
  ['热情', 1, 'service'], ['耐心', 1, 'service'], ['周到', 1, 'service'], ['专业', 0.8, 'service'], ['贴心', 1, 'service'],
  ['礼貌', 0.8, 'service'], ['有礼貌', 0.8, 'service'], ['负责', 0.8, 'service'], ['及时回复', 1.1, 'service'],
  ['冷漠', -1, 'service'], ['敷衍', -1.2, 'service'], ['推诿', -1.2, 'service'], ['踢皮球', -1.2, 'service'],
  ['不理', -1.2, 'service'], ['不理人', -1.3, 'service'], ['不回复', -1.2, 'service'], ['不回', -1.1, 'service'],
  ['爱理不理', -1.4, 'service'], ['态度恶劣', -1.6, 'service'], ['恶劣', -1.4, 'service'], ['傲慢', -1.3, 'service'],
  ['没人理', -1.3, 'service'],
  // price
  ['值', 0.8, 'price'], ['便宜', 0.8, 'price'], ['实惠', 1, 'price'], ['划算', 1, 'price'], ['超值', 1.5, 'price'],
  ['物美价廉', 1.5, 'price'], ['物超所值', 1.5, 'price'], ['优惠', 0.6, 'price'], ['性价比高', 1.3, 'price'],
  ['高', 1, 'price', ['性价比']], ['高', -0.8, 'price', ['价格', '价钱', '价位', '售价']],
  ['贵', -0.8, 'price'], ['偏贵', -0.9, 'price'], ['小贵', -0.6, 'price'], ['死贵', -1.5, 'price'], ['坑钱', -1.5, 'price'],
  ['不值', -1.2, 'price'], ['溢价', -0.8, 'price'], ['对得起', 1, 'price'], ['性价比低', -1.2, 'price'],
  // size
  ['合身', 1, 'size'], ['合适', 0.8, 'size'], ['正好', 0.8, 'size'], ['刚好', 0.8, 'size'], ['刚刚好', 1, 'size'],
  // a smell that is 大 is strong; checked before size, whose context words are broader
  ['大', -1, 'smell', SMELL_CONTEXT],
  ['偏小', -0.7, 'size'], ['偏大', -0.7, 'size'], ['小', -0.6, 'size', SIZE_CONTEXT], ['大', -0.6, 'size', SIZE_CONTEXT],
  ['紧', -0.6, 'size'], ['短', -0.5, 'size', SIZE_CONTEXT], ['长', -0.5, 'size', ['太']], ['肥', -0.5, 'size'],
  ['勒', -0.8, 'size'], ['挤脚', -1, 'size'], ['磨脚', -1.1, 'size'],
  // packaging
  ['完好', 1, 'packaging'], ['完好无损', 1.3, 'packaging'], ['严实', 1, 'packaging'], ['严密', 0.8, 'packaging'],
  ['精美', 1, 'packaging'], ['用心', 1, 'packaging'], ['仔细', 0.8, 'packaging'], ['破损', -1.3, 'packaging'],
  ['压坏', -1.3, 'packaging'], ['压扁', -1.2, 'packaging'], ['破', -1, 'packaging'], ['简陋', -1, 'packaging'],
  ['漏', -1, 'packaging'], ['洒', -1, 'packaging'], ['变形', -1, 'packaging'], ['凹', -0.8, 'packaging'],
  // authenticity
  ['正品', 1, 'authenticity'], ['正版', 1, 'authenticity'], ['保真', 1, 'authenticity'], ['真品', 1, 'authenticity'],
  ['假货', -2, 'authenticity'], ['假', -1.5, 'authenticity'], ['假的', -1.7, 'authenticity'], ['仿', -1.2, 'authenticity'],
  ['高仿', -1.5, 'authenticity'], ['山寨', -1.5, 'authenticity'], ['盗版', -1.5, 'authenticity'], ['仿品', -1.5, 'authenticity'],
  // smell
  ['清香', 0.8, 'smell'], ['好闻', 1, 'smell'], ['香', 0.6, 'smell'], ['无味', 0.6, 'smell'], ['异味', -1, 'smell'],
  ['臭', -1.3, 'smell'], ['刺鼻', -1.3, 'smell'], ['难闻', -1.3, 'smell'], ['甲醛', -1, 'smell'], ['怪味', -1.2, 'smell'],
  ['重', -0.9, 'smell', SMELL_CONTEXT], ['冲', -0.9, 'smell', SMELL_CONTEXT],
  ['熏', -1.1, 'smell'],
  // durability
  ['结实', 1, 'durability'], ['耐用', 1.2, 'durability'], ['牢固', 1, 'durability'], ['耐磨', 1, 'durability'],
  ['坏', -1.2, 'durability'], ['坏了', -1.3, 'durability'], ['断', -1, 'durability'], ['断了', -1.2, 'durability'],
  ['裂', -1, 'durability'], ['裂开', -1.2, 'durability'], ['开线', -1, 'durability'], ['起球', -1, 'durability'],
  ['褪色', -1, 'durability'], ['掉色', -1, 'durability'], ['掉漆', -1, 'durability'], ['生锈', -1, 'durability'],
  ['磨损', -1, 'durability'], ['易碎', -1, 'durability'], ['缩水', -1, 'durability'], ['不耐用', -1.2, 'durability'],
  ['开胶', -1.1, 'durability'], ['松动', -0.8, 'durability'], ['散架', -1.4, 'durability'],
  // appearance
  ['漂亮', 1, 'appearance'], ['好看', 1, 'appearance'], ['美观', 1, 'appearance'], ['大方', 0.8, 'appearance'],
  ['时尚', 0.8, 'appearance'], ['可爱', 0.8, 'appearance'], ['高级', 0.8, 'appearance'], ['颜值高', 1.2, 'appearance'], ['颜值', 0.5, 'appearance'],
  ['难看', -1.2, 'appearance'], ['丑', -1.2, 'appearance'], ['色差', -1, 'appearance'], ['土', -0.6, 'appearance'],
  // ease of use
  ['好用', 1.2, 'usability'], ['方便', 1, 'usability'], ['实用', 1, 'usability'], ['灵敏', 0.8, 'usability'],
  ['流畅', 1, 'usability'], ['稳定', 0.8, 'usability'], ['清晰', 0.8, 'usability'], ['简单', 0.6, 'usability'],
  ['难用', -1.2, 'usability'], ['卡顿', -1, 'usability'], ['卡', -0.6, 'usability'], ['失灵', -1.2, 'usability'],
  ['故障', -1.2, 'usability'], ['没法用', -1.3, 'usability'], ['用不了', -1.3, 'usability'], ['不能用', -1.3, 'usability'],
  ['不好用', -1.2, 'usability'], ['复杂', -0.6, 'usability'], ['费劲', -0.9, 'usability'], ['没效果', -1.2, 'usability'],

  // A second pass over common e-commerce wording (网购常用语: 好评与差评、食品、数码、售后), written from the aspects'
  // vocabulary rather than from any test sentence; see README "Sentiment accuracy".
  // general
  ['惊艳', 1.4], ['超出预期', 1.4], ['超预期', 1.4], ['必买', 1.3], ['种草', 1], ['爱了', 1.5], ['绝了', 1.3],
  ['宝藏', 1.3], ['神器', 1.3], ['良心', 1.2], ['相符', 0.8], ['一模一样', 1], ['着急', -0.8], ['焦急', -0.8],
  ['心累', -1.2], ['崩溃', -1.4], ['坑爹', -1.5], ['无良', -1.6], ['黑心', -1.6], ['忽悠', -1.3], ['虚假', -1.3],
  ['夸大', -1], ['不值得', -1.2],
  // delivery
  ['没有收到', -1.2, 'delivery'], ['没收到', -1.2, 'delivery'], ['不更新', -0.9, 'delivery'], ['缺件', -1.2, 'delivery'],
  ['少了', -0.9, 'delivery'], ['送货上门', 0.8, 'delivery'],
  // quality, food
  ['过期', -1.5, 'quality'], ['临期', -0.8, 'quality'], ['变质', -1.5, 'quality'], ['新鲜', 1, 'quality'],
  ['好吃', 1.2, 'quality'], ['美味', 1.2, 'quality'], ['好喝', 1.2, 'quality'], ['香甜', 0.9, 'quality'],
  ['保暖', 0.9, 'quality'], ['透气', 0.8, 'quality'], ['透光', -0.7, 'quality'], ['坏点', -1.2, 'quality'],
  ['使用痕迹', -1.2, 'quality'], ['痕迹', -0.7, 'quality'], ['起皱', -0.8, 'quality'], ['褶皱', -0.7, 'quality'],
  ['硬', -0.6, 'quality', ['鞋', '鞋底', '太', '面料', '手感', '按键', '床垫', '垫子']],
  // service
  ['有问必答', 1.2, 'service'], ['秒回', 1.1, 'service'], ['诚信', 1, 'service'], ['推卸', -1.2, 'service'],
  ['扯皮', -1.3, 'service'], ['耍赖', -1.4, 'service'], ['不退', -1.3, 'service'], ['不给退', -1.4, 'service'],
  ['不给换', -1.4, 'service'], ['被拒', -1.1, 'service'], ['拒绝', -1, 'service'], ['不承认', -1.2, 'service'],
  // authenticity
  ['翻新', -1.2, 'authenticity'], ['二手', -1, 'authenticity'],
  // size
  ['松垮', -0.8, 'size'], ['松松垮垮', -0.9, 'size'], ['顶脚', -1, 'size'],
  // durability
  ['变色', -1, 'durability'], ['掉毛', -1, 'durability'], ['开裂', -1.2, 'durability'], ['漏液', -1.3, 'durability'],
  // appearance
  ['鲜艳', 0.8, 'appearance'], ['正', 0.8, 'appearance', ['颜色', '色', '口味', '味道']],
  // ease of use, electronics
  ['有效', 1, 'usability'], ['管用', 1, 'usability'], ['好使', 1, 'usability'], ['顺手', 1, 'usability'],
  ['轻便', 0.8, 'usability'], ['轻巧', 0.8, 'usability'], ['效果明显', 1.2, 'usability'], ['清楚', 0.6, 'usability'],
  ['稳', 0.6, 'usability'], ['漏水', -1.2, 'usability'], ['发烫', -1, 'usability'], ['发热', -0.7, 'usability'],
  ['噪音', -0.9, 'usability'], ['吵', -1, 'usability'], ['异响', -1.1, 'usability'], ['死机', -1.3, 'usability'],
  ['闪退', -1.3, 'usability'], ['掉线', -1, 'usability'], ['断连', -1, 'usability'], ['晃动', -0.8, 'usability'],
  // third pass (issue 13): general wording for performance (强/弱 of suction, signal, battery...), ease (顺利, 为难),
  // appearance, price and after-sales, and words that are opinions only when negated or piled up (保温, 累)
  ['强', 0.9, 'usability', ['吸力', '信号', '性能', '续航', '效果', '功能', '动力', '拉力', '防水', '抓地力']],
  ['弱', -0.9, 'usability', ['吸力', '信号', '性能', '续航', '效果', '功能', '动力', '拉力', '防水', '抓地力']],
  ['顺利', 1, 'service'], ['为难', -1, 'service'], ['刁难', -1.2, 'service'], ['没人管', -1.3, 'service'],
  ['没人', -0.8, 'service'], ['看不懂', -0.8, 'usability'], ['保温', 0.8, 'usability'], ['累', -0.8, 'quality'],
  ['累脚', -1, 'quality'], ['大气', 1, 'appearance'], ['有档次', 1.1, 'appearance'],
  ['上档次', 1.1, 'appearance'], ['高档', 1, 'appearance'], ['标准', 0.6, 'size', SIZE_CONTEXT],
  ['虚高', -1.2, 'price'], ['裂缝', -1.2, 'quality'], ['裂痕', -1.2, 'quality'], ['裂了', -1.2, 'quality'],
  ['好多了', 1], ['再也不', -1.4], ['再也不会', -1.4], ['吸不起来', -1, 'usability'],
  ['充不进电', -1.3, 'durability'], ['充不了电', -1.3, 'durability'],
];

export const ZH_LEXICON: Lexicon = {
  opinions: opinions(ENTRIES),
  negators: {
    不: -0.8, 没: -0.8, 没有: -0.8, 别: -0.8, 无: -0.8, 未: -0.8, 不是: -0.8, 并非: -0.8, 毫无: -0.9, 从不: -0.9,
    从没: -0.9, 绝不: -0.9, 不会: -0.8, 不用: -0.6, 一点也不: -1, 一点都不: -1, 根本不: -1, 完全不: -1,
    // "不太满意" is "not quite satisfied": weaker than 不满意
    不太: -0.5, 不怎么: -0.5, 不是很: -0.5, 不大: -0.5, 不那么: -0.5, 没那么: -0.5, 不算: -0.5, 不够: -0.6,
  },
  degrees: {
    很: 1.3, 太: 1.5, 非常: 1.6, 特别: 1.6, 超: 1.5, 超级: 1.6, 极: 1.8, 极其: 1.8, 十分: 1.5, 相当: 1.4, 真: 1.3,
    真的: 1.3, 更: 1.3, 最: 1.6, 挺: 1.2, 蛮: 1.2, 比较: 0.9, 巨: 1.6, 贼: 1.5, 过于: 1.4, 太过: 1.5, 完全: 1.5,
    格外: 1.5, 实在: 1.4, 实在是: 1.4, 严重: 1.5, 这么: 1.3, 那么: 1.2,
    有点: 0.6, 有点儿: 0.6, 有些: 0.6, 稍微: 0.6, 稍: 0.6, 略: 0.6, 略微: 0.6, 一点: 0.6, 偏: 0.8,
  },
  dualDegrees: { 好: 1.3 },
  contrasts: ['但是', '但', '不过', '可是', '然而', '只是', '就是', '可惜', '却'],
  concessions: ['虽然', '尽管', '虽说', '虽'],
};
