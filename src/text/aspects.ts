// The bilingual aspect vocabulary: what e-commerce reviews talk about, with seed terms in both languages, so that a
// Chinese and an English review about the same thing (slow delivery, 物流慢) share an aspect and, later, a topic.
// Aspects are language-independent features; lexical vectors are not.
//
// Seed terms are single words as tokenize() yields them (jieba words for Chinese, lower-case words for English; a test
// holds them to it). The opinion terms of the lexicons that are tagged with an aspect ("slow", "慢", "好用" -> their
// aspect) count as mentions too, phrases included when mentions are counted over sentiment units.

import { EN_LEXICON } from './lexicon/en.ts';
import { ZH_LEXICON } from './lexicon/zh.ts';

export const ASPECT_IDS = [
  'delivery',
  'quality',
  'service',
  'price',
  'size',
  'packaging',
  'authenticity',
  'smell',
  'durability',
  'appearance',
  'usability',
] as const;
export type AspectId = (typeof ASPECT_IDS)[number];

interface Aspect {
  id: AspectId;
  label: { en: string; zh: string };
  seeds: { en: readonly string[]; zh: readonly string[] };
}

export const ASPECTS: readonly Aspect[] = [
  {
    id: 'delivery',
    label: { en: 'Delivery', zh: '物流' },
    seeds: {
      en: ['delivery', 'delivered', 'shipping', 'shipped', 'ship', 'courier', 'arrived', 'arrive', 'arrival', 'dispatch', 'dispatched', 'logistics', 'tracking', 'express', 'parcel', 'shipment'],
      zh: ['物流', '快递', '发货', '送货', '配送', '到货', '送达', '派送', '运输', '邮寄', '收货', '寄'],
    },
  },
  {
    id: 'quality',
    label: { en: 'Quality', zh: '质量' },
    seeds: {
      en: ['quality', 'material', 'materials', 'fabric', 'workmanship', 'craftsmanship', 'stitching', 'build', 'made', 'texture'],
      zh: ['质量', '品质', '做工', '材质', '面料', '用料', '质感', '手感', '工艺', '布料', '线头'],
    },
  },
  {
    id: 'service',
    label: { en: 'Customer service', zh: '客服' },
    seeds: {
      en: ['service', 'seller', 'support', 'staff', 'agent', 'reply', 'replied', 'response', 'responded', 'communication', 'vendor'],
      zh: ['客服', '服务', '卖家', '商家', '店家', '售后', '态度', '回复', '掌柜', '店铺', '老板'],
    },
  },
  {
    id: 'price',
    label: { en: 'Price', zh: '价格' },
    seeds: {
      en: ['price', 'prices', 'cost', 'costs', 'money', 'value', 'priced', 'deal', 'discount', 'paid', 'pay', 'dollars'],
      zh: ['价格', '价钱', '性价比', '价位', '钱', '优惠', '折扣', '售价', '块钱', '元'],
    },
  },
  {
    id: 'size',
    label: { en: 'Size and fit', zh: '尺码' },
    seeds: {
      en: ['size', 'sizes', 'sizing', 'fit', 'fits', 'fitting', 'length', 'width', 'waist'],
      zh: ['尺码', '尺寸', '大小', '码数', '合身', '长度', '宽度', '版型', '腰围'],
    },
  },
  {
    id: 'packaging',
    label: { en: 'Packaging', zh: '包装' },
    seeds: {
      en: ['packaging', 'package', 'packed', 'packing', 'box', 'wrapping', 'wrapped', 'seal', 'sealed', 'packaged'],
      zh: ['包装', '盒子', '外包装', '箱子', '纸箱', '包裹', '密封', '泡沫', '包装盒', '封口'],
    },
  },
  {
    id: 'authenticity',
    label: { en: 'Authenticity', zh: '正品' },
    seeds: {
      en: ['genuine', 'authentic', 'fake', 'counterfeit', 'original', 'real', 'knockoff', 'replica', 'brand'],
      zh: ['正品', '正版', '假货', '真假', '专柜', '防伪', '真品', '品牌', '官方', '验货'],
    },
  },
  {
    id: 'smell',
    label: { en: 'Smell', zh: '气味' },
    seeds: {
      en: ['smell', 'smells', 'smelled', 'smelling', 'odor', 'odour', 'scent', 'fragrance', 'stink', 'stinks'],
      zh: ['味道', '气味', '异味', '味儿', '香味', '臭味', '味', '闻', '甲醛', '刺鼻'],
    },
  },
  {
    id: 'durability',
    label: { en: 'Durability', zh: '耐用性' },
    seeds: {
      en: ['durable', 'durability', 'lasted', 'lasts', 'lasting', 'broke', 'broken', 'months', 'apart'],
      zh: ['耐用', '结实', '坏', '寿命', '断', '裂', '起球', '掉色', '褪色', '磨损'],
    },
  },
  {
    id: 'appearance',
    label: { en: 'Appearance', zh: '外观' },
    seeds: {
      en: ['color', 'colour', 'colors', 'look', 'looks', 'design', 'style', 'appearance', 'picture', 'photo', 'pictures'],
      zh: ['颜色', '外观', '款式', '设计', '样子', '色差', '图片', '实物', '样式'],
    },
  },
  {
    id: 'usability',
    label: { en: 'Ease of use', zh: '使用体验' },
    seeds: {
      en: ['works', 'working', 'use', 'easy', 'battery', 'function', 'functions', 'feature', 'features', 'performance', 'setup', 'install', 'app'],
      zh: ['使用', '功能', '效果', '操作', '安装', '电池', '续航', '性能'],
    },
  },
];

export const ASPECT_BY_ID: ReadonlyMap<AspectId, Aspect> = new Map(ASPECTS.map((a) => [a.id, a]));

/** Every word (seed or aspect-tagged opinion term of one word) -> its aspect. The first aspect listed wins a tie. */
export const ASPECT_OF_WORD: ReadonlyMap<string, AspectId> = (() => {
  const m = new Map<string, AspectId>();
  for (const a of ASPECTS) for (const w of [...a.seeds.en, ...a.seeds.zh]) if (!m.has(w)) m.set(w, a.id);
  for (const lex of [EN_LEXICON, ZH_LEXICON])
    for (const o of lex.opinions) if (o.aspect && !o.when && !m.has(o.term)) m.set(o.term, o.aspect);
  return m;
})();

/**
 * Which aspects a review mentions and how often, from its words or its sentiment units (which also hold lexicon phrases
 * such as "好用"; analyseReview counts over those), in first-mention order.
 */
export function aspectMentions(words: readonly string[]): Map<AspectId, number> {
  const out = new Map<AspectId, number>();
  for (const w of words) {
    const a = ASPECT_OF_WORD.get(w);
    if (a) out.set(a, (out.get(a) ?? 0) + 1);
  }
  return out;
}
