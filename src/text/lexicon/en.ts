// English e-commerce sentiment lexicon.
//
// How it was made: written by hand for this project (no copy of AFINN or another list), from the words shoppers use about
// delivery, quality, service, price, size, packaging, authenticity, smell, durability, looks and ease of use, each
// weighted on one scale (±1 a plain opinion, ±0.3..0.6 mild, ±1.5..2 strong) and tagged with its aspect where it has one.
// Words whose polarity depends on what they describe ("small", "cheap") carry a `when` list or are left out; phrases
// cover what negation alone gets wrong ("never arrived" is bad although "arrived" is neutral).

import type { Entry, Lexicon } from './types.ts';
import { opinions } from './types.ts';

const SIZE_CONTEXT = ['size', 'sizing', 'fit', 'fits', 'too', 'shoes', 'shirt', 'dress', 'pants', 'jacket', 'runs', 'wear'];

const ENTRIES: readonly Entry[] = [
  // general
  ['good', 1], ['great', 1.3], ['excellent', 1.6], ['amazing', 1.6], ['awesome', 1.5], ['perfect', 1.6],
  ['perfectly', 1.3], ['love', 1.4], ['loved', 1.4], ['loves', 1.4], ['nice', 1], ['happy', 1.2], ['satisfied', 1.2],
  ['pleased', 1.2], ['recommend', 1.2], ['recommended', 1.2], ['fantastic', 1.6], ['wonderful', 1.5],
  ['superb', 1.6], ['impressed', 1.3], ['impressive', 1.3], ['best', 1.5], ['better', 0.5], ['fine', 0.5],
  ['ok', 0.3], ['okay', 0.3], ['decent', 0.6], ['five stars', 1.2], ['5 stars', 1.2], ['thanks', 0.6],
  ['thank you', 0.6], ['exceeded', 1.2], ['delighted', 1.5], ['glad', 1], ['as described', 0.8],
  ['as advertised', 0.8], ['as pictured', 0.8], ['brilliant', 1.5], ['outstanding', 1.6],
  ['flawless', 1.5], ['pleasant', 1], ['enjoy', 1], ['enjoying', 1], ['favorite', 1.2], ['favourite', 1.2],
  ['buy again', 1.2], ['would buy again', 1.4], ['worth it', 1.2],
  ['bad', -1.2], ['terrible', -1.8], ['awful', -1.8], ['horrible', -1.8], ['worst', -2], ['disappointed', -1.5],
  ['disappointing', -1.5], ['disappointment', -1.5], ['unhappy', -1.2], ['hate', -1.5], ['waste', -1.5],
  ['junk', -1.8], ['garbage', -1.8], ['trash', -1.8], ['rubbish', -1.8], ['crap', -1.8], ['regret', -1.4],
  ['avoid', -1.5], ['misleading', -1.3], ['problem', -0.6], ['problems', -0.6], ['issue', -0.6], ['issues', -0.6],
  ['complaint', -0.6], ['complaints', -0.6], ['frustrating', -1.3], ['annoying', -1.1], ['mediocre', -0.6],
  ['meh', -0.5], ['worse', -1], ['returned', -0.9], ['returning', -0.9], ['return it', -1], ['refund', -0.6],
  ['one star', -1.2], ['1 star', -1.2], ['poor', -1.2], ['poorly', -1.2], ['sucks', -1.5], ['useless', -1.5, 'usability'],
  ['not as described', -1.3], ['nothing like', -1.2], ['wrong', -1.1], ['disgusting', -1.6], ['different', -0.5],
  ['badly', -0.8], ['safe', 0.6], ['like new', 0.8], ['looks new', 0.8], ['justifies', 0.8, 'price'],
  // delivery
  ['fast', 1, 'delivery'], ['quick', 1, 'delivery'], ['quickly', 1, 'delivery'], ['speedy', 1, 'delivery'],
  ['prompt', 1, 'delivery'], ['promptly', 1, 'delivery'], ['early', 0.8, 'delivery'], ['on time', 1, 'delivery'],
  ['ahead of schedule', 1.2, 'delivery'], ['slow', -1, 'delivery'], ['slowly', -1, 'delivery'],
  ['late', -1.1, 'delivery'], ['delayed', -1.1, 'delivery'], ['delay', -1, 'delivery'], ['delays', -1, 'delivery'],
  ['lost', -1.2, 'delivery'], ['missing', -1.1, 'delivery'], ['never arrived', -1.8, 'delivery'],
  ['never came', -1.8, 'delivery'], ['never received', -1.8, 'delivery'], ['still waiting', -1.2, 'delivery'],
  ['took forever', -1.4, 'delivery'], ['forever', -0.6, 'delivery'], ['wrong item', -1.3, 'delivery'],
  // quality
  ['solid', 1, 'quality'], ['well-made', 1.2, 'quality'], ['well made', 1.2, 'quality'], ['high quality', 1.2, 'quality'],
  ['high-quality', 1.2, 'quality'], ['comfortable', 1.2, 'quality'], ['comfy', 1.1, 'quality'], ['soft', 0.6, 'quality'],
  ['premium', 1, 'quality'], ['cheaply', -1, 'quality'], ['feels cheap', -1.2, 'quality'], ['looks cheap', -1.2, 'appearance'],
  ['low quality', -1.3, 'quality'], ['low-quality', -1.3, 'quality'], ['defective', -1.5, 'quality'], ['faulty', -1.4, 'quality'],
  ['scratched', -1.1, 'quality'], ['scratches', -1, 'quality'], ['stained', -1.1, 'quality'], ['dirty', -1.1, 'quality'],
  ['mold', -1.5, 'quality'], ['mould', -1.5, 'quality'], ['sloppy', -1, 'quality'], ['shoddy', -1.4, 'quality'],
  ['uncomfortable', -1.2, 'quality'], ['itchy', -1, 'quality'], ['rough', -0.8, 'quality'], ['thin', -0.5, 'quality'],
  ['loose threads', -1, 'quality'], ['stains', -1, 'quality'],
  // service
  ['helpful', 1.2, 'service'], ['friendly', 1.1, 'service'], ['responsive', 1, 'service'], ['polite', 0.8, 'service'],
  ['patient', 0.8, 'service'], ['professional', 0.8, 'service'], ['courteous', 1, 'service'], ['rude', -1.5, 'service'],
  ['unhelpful', -1.3, 'service'], ['ignored', -1.2, 'service'], ['unresponsive', -1.3],
  ['dismissive', -1.2, 'service'], ['no reply', -1.2, 'service'], ['no response', -1.2, 'service'],
  ['never replied', -1.4, 'service'], ['never responded', -1.4, 'service'], ['scam', -2, 'service'],
  // price
  ['worth', 1, 'price'], ['affordable', 1, 'price'], ['bargain', 1.2, 'price'], ['reasonable', 0.8, 'price'],
  ['good value', 1.2, 'price'], ['great value', 1.5, 'price'], ['value for money', 1.2, 'price'], ['cheap', 0.6, 'price', ['price', 'priced', 'so', 'very', 'really']],
  ['expensive', -0.9, 'price'], ['overpriced', -1.3, 'price'], ['pricey', -0.8, 'price'], ['rip-off', -1.6, 'price'],
  ['ripoff', -1.6, 'price'], ['rip off', -1.6, 'price'],
  // size
  ['true to size', 1, 'size'], ['fits perfectly', 1.4, 'size'], ['fits well', 1.2, 'size'], ['fit well', 1.2, 'size'],
  ['fits', 0.5, 'size'], ['runs small', -0.8, 'size'], ['runs large', -0.8, 'size'], ['runs big', -0.8, 'size'],
  ['small', -0.6, 'size', SIZE_CONTEXT], ['big', -0.6, 'size', SIZE_CONTEXT], ['large', -0.6, 'size', SIZE_CONTEXT],
  ['tight', -0.6, 'size'], ['pinch', -0.9, 'size'], ['loose', -0.4, 'size'], ['short', -0.5, 'size', SIZE_CONTEXT], ['long', -0.5, 'size', ['too']],
  // packaging
  ['intact', 1, 'packaging'], ['well packed', 1.1, 'packaging'], ['well packaged', 1.1, 'packaging'],
  ['well-packaged', 1.1, 'packaging'], ['securely', 0.8, 'packaging'], ['neatly', 0.8, 'packaging'],
  ['damaged', -1.3, 'packaging'], ['dented', -1.1, 'packaging'], ['crushed', -1.2, 'packaging'],
  ['leaked', -1.1, 'packaging'], ['leaking', -1.1, 'packaging'], ['torn', -1.1, 'packaging'], ['opened', -0.6, 'packaging'],
  // authenticity
  ['genuine', 1.2, 'authenticity'], ['authentic', 1.2, 'authenticity'], ['legit', 1, 'authenticity'],
  ['original', 0.6, 'authenticity'], ['fake', -1.8, 'authenticity'], ['counterfeit', -1.8, 'authenticity'],
  ['knockoff', -1.6, 'authenticity'], ['knock-off', -1.6, 'authenticity'], ['replica', -1.2, 'authenticity'],
  // smell
  ['fragrant', 0.8, 'smell'], ['smells great', 1.3, 'smell'], ['smells good', 1.2, 'smell'], ['smells nice', 1.2, 'smell'],
  ['fresh', 0.8, 'smell'], ['stinks', -1.5, 'smell'], ['stinky', -1.4, 'smell'], ['smelly', -1.3, 'smell'],
  ['odor', -0.8, 'smell'], ['odour', -0.8, 'smell'], ['stench', -1.5, 'smell'], ['chemical smell', -1.3, 'smell'],
  ['toxic', -1.2, 'smell'], ['strong smell', -1.1, 'smell'], ['weird smell', -1.2, 'smell'], ['smells bad', -1.3, 'smell'], ['smell', -0.5, 'smell'],
  ['plastic smell', -1.1, 'smell'],
  // durability
  ['sturdy', 1.2, 'durability'], ['durable', 1.2, 'durability'], ['reliable', 1.2, 'durability'],
  ['long-lasting', 1.2, 'durability'], ['long lasting', 1.2, 'durability'], ['holds up', 1, 'durability'],
  ['held up', 1, 'durability'], ['still works', 1, 'durability'], ['flimsy', -1.3, 'durability'],
  ['fragile', -0.8, 'durability'], ['broke', -1.3, 'durability'], ['broken', -1.3, 'durability'], ['break', -1, 'durability'],
  ['breaks', -1.1, 'durability'], ['cracked', -1.2, 'durability'], ['ripped', -1.2, 'durability'],
  ['fell apart', -1.5, 'durability'], ['falling apart', -1.5, 'durability'], ['faded', -1.1, 'durability'],
  ['peeling', -1.1, 'durability'], ['rusty', -1.2, 'durability'], ['rusted', -1.2, 'durability'],
  ['stopped working', -1.5, 'durability'], ['wore out', -1.2, 'durability'], ['worn out', -1.2, 'durability'],
  ['pilling', -1, 'durability'], ['snapped', -1.2, 'durability'], ['fade', -0.8, 'durability'],
  ['lasts', 0.6, 'durability'],
  // appearance
  ['beautiful', 1.2, 'appearance'], ['gorgeous', 1.5, 'appearance'], ['stylish', 1, 'appearance'], ['cute', 0.8, 'appearance'],
  ['lovely', 1.2], ['elegant', 1.1, 'appearance'], ['ugly', -1.3, 'appearance'],
  ['different color', -0.9, 'appearance'], ['color difference', -1, 'appearance'], ['pretty', 0.8, 'appearance'], ['looks nothing like', -1.3, 'appearance'],
  // ease of use
  ['works', 0.6, 'usability'], ['worked', 0.5, 'usability'], ['easy', 0.8, 'usability'], ['convenient', 1, 'usability'],
  ['useful', 1, 'usability'], ['handy', 1, 'usability'], ['smooth', 0.8, 'usability'], ['smoothly', 0.8, 'usability'],
  ['intuitive', 1, 'usability'], ['unusable', -1.5, 'usability'], ['complicated', -0.8, 'usability'],
  ['difficult', -0.8, 'usability'], ['hard to use', -1.1, 'usability'], ['laggy', -1.1, 'usability'],
  ['glitchy', -1.1, 'usability'], ['buggy', -1.1, 'usability'], ['malfunction', -1.3, 'usability'],
  ['malfunctioned', -1.3, 'usability'], ['work', 0.5, 'usability'], ['clear', 0.6, 'usability'],

  // A second pass over common e-commerce wording (general praise and complaint, electronics, returns), written from
  // the aspects' vocabulary rather than from any test sentence; see README "Sentiment accuracy".
  // general
  ['thrilled', 1.5], ['adore', 1.4], ['fabulous', 1.5], ['terrific', 1.5], ['stellar', 1.5], ['phenomenal', 1.6],
  ['incredible', 1.5], ['top notch', 1.4], ['top-notch', 1.4], ['spot on', 1.1], ['must have', 1.2], ['must-have', 1.2],
  ['lifesaver', 1.4], ['game changer', 1.4], ['grateful', 1], ['appreciate', 0.8], ['pleasure', 1], ['efficient', 1],
  ['effective', 1], ['pleasantly', 1], ['compliments', 1], ['accurate', 0.8], ['inaccurate', -1],
  ['pathetic', -1.7], ['unacceptable', -1.6], ['ridiculous', -1.3], ['nightmare', -1.7], ['headache', -1.1],
  ['disaster', -1.7], ['horrendous', -1.8], ['dreadful', -1.7], ['lousy', -1.4], ['subpar', -1.2], ['sub-par', -1.2],
  ['inferior', -1.2], ['questionable', -0.9], ['sketchy', -1.1], ['dissatisfied', -1.4], ['unsatisfied', -1.3],
  ['upset', -1.2], ['angry', -1.3], ['furious', -1.6], ['annoyed', -1.1], ['irritating', -1.1], ['hassle', -0.8],
  ['hassle-free', 1.1], ['beware', -1.3], ['steer clear', -1.5], ['stay away', -1.5], ['save your money', -1.5],
  ['do not buy', -1.6], ["don't buy", -1.6], ['dont buy', -1.6], ['mess', -1],
  // delivery
  ['took ages', -1.3, 'delivery'], ['took weeks', -1.2, 'delivery'], ['took a month', -1.2, 'delivery'],
  ["hasn't shipped", -1.2, 'delivery'], ['not shipped', -1.2, 'delivery'], ['never shipped', -1.6, 'delivery'],
  ['overdue', -1.1, 'delivery'], ['stuck', -0.9, 'delivery'], ['never updated', -1.1, 'delivery'],
  // quality
  ['defect', -1.2, 'quality'], ['defects', -1.2, 'quality'], ['flaw', -1, 'quality'], ['flawed', -1.1, 'quality'],
  ['flaws', -1, 'quality'], ['see-through', -0.9, 'quality'], ['see through', -0.9, 'quality'], ['scratchy', -1, 'quality'],
  ['lumpy', -0.9, 'quality'], ['wrinkled', -0.8, 'quality'], ['tacky', -1, 'appearance'], ['plasticky', -1, 'quality'],
  ['wobbly', -1, 'quality'], ['chipped', -1.1, 'quality'], ['bent', -1, 'quality'], ['warped', -1.1, 'quality'],
  ['sharp edges', -1, 'quality'], ['expired', -1.4, 'quality'],
  // service
  ['above and beyond', 1.5, 'service'], ['quick to respond', 1.1, 'service'], ['resolved', 1, 'service'],
  ['accommodating', 1.1, 'service'], ['attentive', 1, 'service'], ['knowledgeable', 1, 'service'],
  ['refused', -1.1, 'service'], ['refuses', -1.1, 'service'], ['denied', -1, 'service'], ['shady', -1.2, 'service'],
  ['fraud', -2, 'service'], ['scammed', -2, 'service'], ['ripped off', -1.6, 'price'], ['no refund', -1.4, 'service'],
  // price
  ['steal', 1.1, 'price'], ['worth every penny', 1.5, 'price'], ['money well spent', 1.4, 'price'],
  ['well spent', 1.2, 'price'], ['overcharged', -1.4, 'price'], ['hidden fees', -1.2, 'price'],
  // size
  ['wrong size', -1.2, 'size'], ['baggy', -0.6, 'size'], ['fits like a glove', 1.4, 'size'],
  // packaging
  ['well protected', 1, 'packaging'], ['carefully packed', 1.1, 'packaging'], ['tampered', -1.4, 'packaging'],
  // smell: a chemical is a complaint when it is what something smells of
  ['reeks', -1.5, 'smell'], ['reek', -1.4, 'smell'],
  ['chemical', -0.9, 'smell', ['smell', 'smells', 'smelled', 'smelt', 'odor', 'odour']],
  ['chemicals', -0.9, 'smell', ['smell', 'smells', 'smelled', 'smelt', 'odor', 'odour']],
  // durability
  ['came apart', -1.4, 'durability'], ['coming apart', -1.4, 'durability'], ['fell off', -1.2, 'durability'],
  ['came off', -1, 'durability'], ['peeled', -1.1, 'durability'], ['peels', -1, 'durability'], ['shrank', -1.1, 'durability'],
  ['shrunk', -1.1, 'durability'], ['pilled', -1, 'durability'], ['going strong', 1.2, 'durability'],
  ['holds a charge', 1, 'durability'], ['dies', -1.1, 'durability'], ['died', -1.2, 'durability'], ['dead', -1.2, 'durability'],
  ['drains', -0.9, 'durability'], ['unreliable', -1.3, 'durability'],
  // appearance
  ['vibrant', 0.9, 'appearance'], ['vivid', 0.9, 'appearance'], ['crisp', 0.8, 'appearance'], ['sleek', 1, 'appearance'],
  ['classy', 1, 'appearance'], ['fashionable', 0.9, 'appearance'], ['flattering', 1, 'appearance'], ['blurry', -1, 'appearance'],
  ['faded colors', -1, 'appearance'],
  // ease of use, electronics
  ['working', 0.5, 'usability'],
  // phrases, so that one negator reaches both words ("doesn't work properly")
  ['work properly', 0.8, 'usability'], ['works properly', 0.8, 'usability'], ['working properly', 0.8, 'usability'],
  ['work correctly', 0.8, 'usability'], ['works correctly', 0.8, 'usability'],
  ['like a charm', 1.2, 'usability'], ['effortless', 1, 'usability'], ['seamless', 1, 'usability'],
  ['seamlessly', 1, 'usability'], ['quiet', 0.8, 'usability'], ['powerful', 1, 'usability'], ['lightweight', 0.6, 'usability'],
  ['compact', 0.5, 'usability'], ['roomy', 0.8, 'usability'], ['spacious', 0.8, 'usability'],
  ['leaks', -1.1, 'usability'], ['leak', -1, 'usability'], ['leaky', -1.1, 'usability'], ['overheats', -1.3, 'usability'],
  ['overheating', -1.3, 'usability'], ['overheat', -1.2, 'usability'], ['overheated', -1.3, 'usability'],
  ['noisy', -1.1, 'usability'], ['too loud', -1.1, 'usability'], ['rattles', -0.9, 'usability'], ['rattling', -1, 'usability'],
  ['buzzing', -0.8, 'usability'], ["won't turn on", -1.5, 'usability'], ["doesn't turn on", -1.5, 'usability'],
  ['disconnects', -1.1, 'usability'], ['freezes', -1.1, 'usability'], ['crashes', -1.2, 'usability'], ['crashed', -1.2, 'usability'],
  ['lag', -0.9, 'usability'], ['flickers', -1.1, 'usability'], ['flickering', -1.1, 'usability'], ['dim', -0.7, 'usability'],
  ['weak', -0.8, 'usability'], ['confusing', -0.9, 'usability'], ['unstable', -1, 'usability'],
  // third pass (issue 13): general wording for screens, suction and signal, food, pain, tidy work, things that work
  // "properly" (so a negator reaches it), hassle-free after-sales and faint praise ("nothing special")
  ['bright', 0.8, 'appearance', ['screen', 'display', 'colours', 'colors', 'colour', 'color', 'light', 'picture']],
  ['sharp', 0.8, 'usability', ['screen', 'display', 'picture', 'image', 'photos', 'knife', 'blade', 'camera']],
  ['strong', 0.9, 'usability', ['suction', 'signal', 'battery', 'grip', 'magnet', 'motor', 'wifi', 'connection']],
  ['neat', 0.8, 'quality'], ['tidy', 0.8, 'quality'], ['eco-friendly', 0.5], ['painless', 1, 'service'],
  ['without any fuss', 1, 'service'], ['no fuss', 1, 'service'],
  ['fuss', -0.6, 'service'], ['does what it says', 1.1, 'usability'],
  ['exactly what it says', 1.1, 'usability'], ['properly', 0.6, 'usability'], ['stale', -1.2, 'quality'],
  ['tasted off', -1.2, 'quality'], ['tastes off', -1.2, 'quality'], ['hurt', -1.1, 'quality'], ['hurts', -1.1, 'quality'],
  ['painful', -1.2, 'quality'], ['disconnecting', -1.1, 'usability'], ['stopped', -1, 'durability'], ['spills', -1, 'usability'],
  ['heavy', -0.5, 'usability'], ['nothing special', -0.5], ['weeks to arrive', -1.2, 'delivery'],
];

export const EN_LEXICON: Lexicon = {
  opinions: opinions(ENTRIES),
  negators: {
    not: -0.8, no: -0.8, never: -0.8, none: -0.8, nothing: -0.8, nobody: -0.8, neither: -0.8, nor: -0.8,
    without: -0.8, hardly: -0.7, barely: -0.7, scarcely: -0.7, cannot: -0.8,
    "don't": -0.8, dont: -0.8, "doesn't": -0.8, doesnt: -0.8, "didn't": -0.8, didnt: -0.8, "isn't": -0.8, isnt: -0.8,
    "wasn't": -0.8, wasnt: -0.8, "aren't": -0.8, "weren't": -0.8, "won't": -0.8, wont: -0.8, "can't": -0.8, cant: -0.8,
    "couldn't": -0.8, "wouldn't": -0.8, "shouldn't": -0.8, "haven't": -0.8, "hasn't": -0.8, "hadn't": -0.8, "ain't": -0.8,
    // "not very good" is mildly bad, "not too bad" is acceptable: weaker than a plain negation
    'not very': -0.5, 'not too': -0.5, 'not so': -0.5, 'not that': -0.5, 'not really': -0.5, "isn't very": -0.5,
    "wasn't very": -0.5, "isn't that": -0.5, "wasn't that": -0.5, 'not super': -0.5,
  },
  degrees: {
    very: 1.3, really: 1.3, so: 1.3, too: 1.4, extremely: 1.7, incredibly: 1.6, super: 1.5, absolutely: 1.6,
    totally: 1.5, completely: 1.5, highly: 1.5, quite: 1.1, most: 1.4, especially: 1.3, truly: 1.4, seriously: 1.3,
    utterly: 1.7, exceptionally: 1.6, insanely: 1.6, way: 1.3, 'a bit': 0.6, 'a little': 0.6, 'a little bit': 0.6,
    bit: 0.6, slightly: 0.6, somewhat: 0.7, 'kind of': 0.7, kinda: 0.7, 'sort of': 0.7, fairly: 0.9, rather: 1,
  },
  dualDegrees: { pretty: 1.2 },
  contrasts: ['but', 'however', 'except', 'unfortunately'],
  concessions: ['although', 'though', 'despite', 'even though'],
};

/** Words that mark a Latin-script text as English (function words and the lexicon), for language detection. */
export const ENGLISH_WORDS: ReadonlySet<string> = new Set([
  'the', 'a', 'an', 'and', 'or', 'but', 'is', 'are', 'was', 'were', 'it', "it's", 'this', 'that', 'i', "i'm", 'my',
  'me', 'we', 'you', 'your', 'of', 'to', 'in', 'on', 'for', 'with', 'at', 'as', 'so', 'very', 'not', 'no', 'have',
  'has', 'had', 'be', 'been', 'do', 'did', 'does', 'will', 'would', 'can', 'just', 'too', 'after', 'before', 'they',
  'them', 'than', 'item', 'product', 'order', 'ordered', 'bought', 'received', 'days', 'weeks', 'one', 'all', 'again',
  ...ENTRIES.map(([t]) => t).filter((t) => !t.includes(' ')),
  ...Object.keys(EN_LEXICON.negators).filter((t) => !t.includes(' ')),
  ...Object.keys(EN_LEXICON.degrees).filter((t) => !t.includes(' ')),
]);
