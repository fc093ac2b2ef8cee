-- AlterTable
ALTER TABLE "segmentation_models" ADD COLUMN     "named_by" TEXT NOT NULL DEFAULT 'catalogue',
ADD COLUMN     "naming_fallback" TEXT;
