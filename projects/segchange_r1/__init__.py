"""SegChange-R1 project: modules in segchange_r1/, configs/, tests/."""
