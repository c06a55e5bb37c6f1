"""Image captioning: the CNN encoder, the word vocabulary, the attention LSTM decoder, the Flickr8k data, the
recipe, image loading."""
