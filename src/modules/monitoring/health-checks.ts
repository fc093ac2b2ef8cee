// The model checks of systemHealth: a probe prediction through the active model (the same path as predictSegment,
// timed) and the active model's feature drift (PSI, the computation of qualityReport.featureDrift). The drift needs a
// sample of up to 10,000 profiles, so a process reuses it for `health.driftCacheMinutes` (and until another model is
// active) rather than sampling at every reading: readings come every minute and at every /metrics scrape.
import type { Db } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { SegmentationModel } from '../../generated/prisma/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { ActiveModelCache } from '../segmentation/assignment.ts';
import { predictSegment } from '../segmentation/predict.ts';
import { defaultSampleFeatureDrift, type FeatureDrift } from '../quality/feature-quality.ts';

export interface PredictionCheck {
  ok: boolean;
  /** from the probe's start to its placement, including loading a model not yet parsed by this process */
  latencyMs: number;
}

interface CachedDrift {
  modelId: string;
  expiresAt: number;
  drift: Promise<FeatureDrift[]>;
}

export class HealthChecks {
  private cached: CachedDrift | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: PortraitConfig,
    private readonly models: ActiveModelCache,
    private readonly logger: Logger,
  ) {}

  /**
   * Places the probe vector, the model's training means (the scaler's means, in raw feature units), in the active
   * model. Not ok when placing throws (e.g. a stored pipeline that no longer parses) or any distance or probability
   * is not finite.
   */
  async prediction(): Promise<PredictionCheck> {
    const started = performance.now();
    try {
      const model = await this.models.get(fromPrisma(this.db));
      if (!model) throw new Error('no active model');
      const means = model.pipeline.preprocessing.scaler.mean;
      const placed = await predictSegment(this.db, this.models, model.features.map((name, i) => ({ name, value: means[i]! })));
      const finite = [...placed.distances, ...placed.probabilities].every(Number.isFinite);
      if (!finite) this.logger.warn({ distances: placed.distances, probabilities: placed.probabilities }, 'health: probe prediction is not finite');
      return { ok: finite, latencyMs: performance.now() - started };
    } catch (err) {
      this.logger.warn({ err }, 'health: probe prediction failed');
      return { ok: false, latencyMs: performance.now() - started };
    }
  }

  /** The active model's drift per feature, computed at most once per `driftCacheMinutes` per model in this process. */
  async featureDrift(active: SegmentationModel, now: Date): Promise<FeatureDrift[]> {
    const t = now.getTime();
    const c = this.cached;
    if (c && c.modelId === active.id && t < c.expiresAt) return c.drift;
    // A failed computation is not kept (the next reading tries again), and it does not fail the reading: the figure is
    // unknown (e.g. bins of a model stored by an older version that no longer parse) and the reason is logged.
    const entry: CachedDrift = {
      modelId: active.id,
      expiresAt: t + this.config.health.driftCacheMinutes * 60_000,
      drift: defaultSampleFeatureDrift(this.db, active, this.config, now).catch((err: unknown) => {
        if (this.cached === entry) this.cached = null;
        this.logger.warn({ err, modelId: active.id }, 'feature drift could not be computed; systemHealth reports it as unknown');
        return [];
      }),
    };
    this.cached = entry;
    return entry.drift;
  }
}
