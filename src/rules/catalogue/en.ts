// English texts of the portrait. Texts only: the rules that pick them live in naming.ts and strategy.ts.
// `Catalogue` is this object's type, so every other locale must provide exactly the same keys.
// Placeholders like {name} are filled by naming.ts `fill`; a translation must keep the same placeholders.
import type { PreferenceCode } from '../activity.ts';
import type { ActivityState } from '../naming.ts';
import type { RfmSegment } from '../rfm.ts';
import type { Priority } from '../strategy.ts';
import type { AgeGroup, CityTierMix, GenderMix, PurchaseTier, Tier } from '../tiers.ts';
import type { VoicePolarity } from '../voice.ts';

export type Locale = 'EN' | 'ZH';

export const en = {
  name: {
    /** base name: value word, activity state, persona (from the frequency tier) */
    pattern: '{value} {state} {persona}',
    /** a duplicate base name told apart by a trait */
    qualified: '{name} ({trait})',
    /** a duplicate base name no single trait tells apart */
    numbered: '{name} ({n})',
    /** a name with what the segment's reviews say (see voice.ts) */
    withVoice: '{name}, {voice}',
    voice: { NEGATIVE: 'unhappy with {topic}', POSITIVE: 'loves the {topic}' } satisfies Record<VoicePolarity, string>,
    value: { HIGH: 'High-value', MEDIUM: 'Mid-value', LOW: 'Low-value', NONE: 'Zero-spend' } satisfies Record<PurchaseTier, string>,
    state: {
      ACTIVE: 'active',
      STEADY: 'steady',
      PASSIVE: 'passive',
      DORMANT: 'dormant',
    } satisfies Record<ActivityState, string>,
    persona: { HIGH: 'loyalists', MEDIUM: 'regulars', LOW: 'occasional buyers', NONE: 'browsers' } satisfies Record<PurchaseTier, string>,
    engagement: {
      HIGH: 'highly engaged',
      MEDIUM: 'moderately engaged',
      LOW: 'rarely engaged',
    } satisfies Record<Tier, string>,
    recency: { HIGH: 'recently active', MEDIUM: 'lapsing', LOW: 'long inactive' } satisfies Record<Tier, string>,
  },
  ageGroup: { YOUNG: 'young', MIDDLE: 'middle-aged', MATURE: 'mature' } satisfies Record<AgeGroup, string>,
  genderMix: {
    MALE_DOMINANT: 'mostly male',
    FEMALE_DOMINANT: 'mostly female',
    OTHER_DOMINANT: 'mostly other genders',
    BALANCED: 'gender-balanced',
    UNKNOWN: 'gender unknown',
  } satisfies Record<GenderMix, string>,
  cityTierMix: {
    UPPER_TIER: 'higher-tier cities',
    LOWER_TIER: 'lower-tier cities',
    MIXED: 'mixed city tiers',
    UNKNOWN: 'city tier unknown',
  } satisfies Record<CityTierMix, string>,
  /** Segment.description: sentences joined by a space, each left out when its facts are unknown */
  description: {
    size: '{size} users, {share}% of the population.',
    ratios: 'They spend {spend}× and engage {engagement}× as much as the average user.',
    state: {
      ACTIVE: 'They order often and came back recently.',
      STEADY: 'They come back at a steady pace.',
      PASSIVE: 'They rarely browse or engage.',
      DORMANT: 'Most of them have not been back for a long time.',
    } satisfies Record<ActivityState, string>,
    demographics: 'Audience: {traits}.',
    separator: ', ',
    reviews: 'They wrote {reviews} reviews with a mean sentiment of {sentiment} (from -1 to 1).',
    topic: 'They write most about {topic} ({share}% of what they say).',
    voice: {
      NEGATIVE: 'Their reviews say they are unhappy with {topic}.',
      POSITIVE: 'Their reviews praise the {topic}.',
    } satisfies Record<VoicePolarity, string>,
  },
  priority: {
    RETAIN_AND_GROW: 'Retain and grow',
    LIFT_ACTIVITY: 'Lift activity',
    LIFT_VALUE: 'Lift value',
    NURTURE: 'Nurture',
  } satisfies Record<Priority, string>,
  traits: {
    valueHigh: 'Spend above the 75th percentile of buyers',
    valueMedium: 'Spend in the middle range of buyers (25th to 75th percentile)',
    valueLow: 'Spend at or below the 25th percentile of buyers',
    valueNone: 'Most have never bought anything',
    frequencyHigh: 'Order often',
    frequencyMedium: 'Order now and then',
    frequencyLow: 'Order rarely',
    frequencyNone: 'No orders yet',
    recencyHigh: 'Active recently',
    recencyMedium: 'Last active some time ago',
    recencyLow: 'Dormant: no recent activity',
    engagementHigh: 'Highly engaged: many, long, deep sessions',
    engagementMedium: 'Moderately engaged',
    engagementLow: 'Low engagement: few, short sessions',
    ageYoung: 'Young audience',
    ageMiddle: 'Middle-aged audience',
    ageMature: 'Mature audience',
    genderMale: 'Mostly male',
    genderFemale: 'Mostly female',
    genderOther: 'Mostly other or undisclosed genders',
    genderBalanced: 'Gender-balanced',
    cityUpper: 'Concentrated in higher-tier cities',
    cityLower: 'Concentrated in lower-tier cities',
    cityMixed: 'Spread across city tiers',
  },
  insights: {
    retainAndGrow: 'Core revenue base: valuable and active, so losing them costs the most.',
    liftActivity: 'Valuable but not very active: their spend is at risk if activity keeps falling.',
    liftValue: 'Active but spending little: the relationship exists, the basket is small.',
    nurture: 'Low value and low activity: reach them with low-cost, automated touches.',
    dormantHighValue: 'High-value users who have gone quiet: a churn risk worth acting on now.',
    browseNotBuy: 'Browse a lot but rarely order: there is a conversion gap.',
    buyWithoutBrowsing: 'Order often with little browsing: goal-driven shoppers who know what they want.',
    neverBought: 'Most of them have never ordered: the first order is what to win.',
    spendRatio: 'Spend {ratio}× the average user.',
    engagementRatio: 'Engagement {ratio}× the average user.',
    voiceNegative: 'Their reviews are unhappy with {topic}: fix it before asking them to buy more.',
    voicePositive: 'Their reviews praise the {topic}: make it the message.',
  },
  actions: {
    vipService: 'Offer VIP service: a dedicated contact, priority delivery and exclusive events.',
    premiumLimited: 'Recommend premium and limited-edition items.',
    personalisedRecs: 'Personalise recommendations from their purchase history.',
    bundles: 'Offer bundles and cross-sell sets.',
    valueForMoney: 'Feature value-for-money items.',
    membershipUpgrade: 'Invite them to upgrade their membership, with clear tier benefits.',
    promotions: 'Target them with promotions and coupons.',
    entryProducts: 'Lead with low-threshold entry products.',
    referralIncentives: 'Offer referral incentives (rewards for inviting friends).',
    firstOrderOffer: 'Offer a first-order incentive: a welcome coupon or free delivery.',
    reviewsCommunity: 'Invite them to write reviews and join the community.',
    interactiveContent: 'Engage them with interactive content: quizzes, live streams, mini-games.',
    conversionNudges: 'Nudge conversion: cart reminders and price-drop alerts.',
    winBackOffers: 'Send time-limited win-back offers.',
    personalisedRecall: 'Recall them with personalised messages based on past interests.',
    churnSurvey: 'Run a churn survey to learn why they left.',
    fixComplaints: 'Reach out to unhappy reviewers and fix what they complain about.',
    amplifyPraise: 'Feature their praise and invite them to share photos and reviews.',
  },
  goals: {
    raiseLifetimeValue: 'Raise customer lifetime value.',
    keepRetention: 'Keep this segment’s retention at or above its current level.',
    raiseVisitFrequency: 'Raise visit and order frequency.',
    raiseOrderValue: 'Raise average order value.',
    moveUpTier: 'Move users up to the next value tier at low cost.',
    upgradeMembership: 'Grow the share of upgraded members.',
    firstRepeatPurchase: 'Convert to a first or repeat order.',
    firstPurchase: 'Convert browsers into first-time buyers.',
    moreReviews: 'Grow reviews and community contributions.',
    raiseEngagement: 'Raise engagement: more sessions, longer visits.',
    reactivate: 'Reactivate dormant users and cut churn.',
    fewerComplaints: 'Turn unhappy reviewers into satisfied ones.',
  },
  rfm: {
    CHAMPIONS: 'Champions',
    LOYAL: 'Loyal',
    POTENTIAL_LOYALIST: 'Potential loyalist',
    NEW: 'New',
    PROMISING: 'Promising',
    NEED_ATTENTION: 'Need attention',
    ABOUT_TO_SLEEP: 'About to sleep',
    AT_RISK: 'At risk',
    CANNOT_LOSE_THEM: 'Cannot lose them',
    HIBERNATING: 'Hibernating',
    LOST: 'Lost',
    NEVER_PURCHASED: 'Never purchased',
  } satisfies Record<RfmSegment, string>,
  preference: {
    FREQUENT_CLICKER: 'Frequent clicker',
    EXPLORER: 'Explorer',
    FOCUSED: 'Focused',
    LONG_DWELL: 'Long dwell',
    QUICK_SCANNER: 'Quick scanner',
    CART_ABANDONER: 'Cart abandoner',
    REVIEWER: 'Reviewer',
    NIGHT_OWL: 'Night owl',
    WEEKEND_SHOPPER: 'Weekend shopper',
    RISING: 'Rising activity',
    COOLING: 'Cooling down',
  } satisfies Record<PreferenceCode, string>,
};

export type Catalogue = typeof en;
