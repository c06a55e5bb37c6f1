"""Many-to-one: sentiment analysis in English (SST-2) and Korean (NSMC).

data.py (loaders, splits, text preparation), model.py (the classifier), batches.py, recipe.py (training),
presets.py, explain.py (running prediction, occlusion, gradient x input, trajectories), baseline.py
(bag-of-words logistic regression), compare.py (the representation comparison), shipped.py (the shipped
models and their embeddings).
"""
