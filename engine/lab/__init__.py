"""The lecture-lab computations behind the dashboard's lab pages, as plain functions over tensors.

Each module is one lecture idea, checked against autograd or the engine's own cells so that the numbers
a page shows are the numbers the model computes: :mod:`engine.lab.step` (a tiny vanilla RNN one time step
at a time, a(t), h(t), o(t), ŷ(t), L(t), and the shapes and parameter count of θ = {U, W, V, b, c}),
:mod:`engine.lab.bptt` (BPTT from t = T down to 1 with each step's contribution to the gradients, and
truncated BPTT), :mod:`engine.lab.architectures` (many-to-one, one-to-many, many-to-many and
sequence-to-sequence on that RNN), :mod:`engine.lab.tasks` (the adding problem and the
remember-the-first-symbol task, with their baselines), :mod:`engine.lab.long_term` (the small models
trained on them and their initialisation by spectral radius), :mod:`engine.lab.gradients` (the gradient
norms ‖∂L/∂h(t)‖ and the connectivity ‖∂o(t)/∂x(k)‖), :mod:`engine.lab.sweep` (training them side by
side, the length sweep and its shipped results),
:mod:`engine.lab.inside_lstm` (a char-LSTM's gates, memory cell and h(t) per layer, peepholes),
:mod:`engine.lab.units` (interpretable units: feature correlations, span query, saturation, PCA),
:mod:`engine.lab.inside_lstm_results` (their precomputation over the validation split),
:mod:`engine.lab.representations` (a sentence as a bag of words, a one-hot matrix and a model's embeddings) and
:mod:`engine.lab.embedding_space` (nearest neighbours and a 2D projection of an embedding table).
"""
