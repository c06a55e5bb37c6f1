"""How the photos of this folder were made from their packages (kept for reproducing them; not used by the app).

    mkdir -p /tmp/ood_src && cd /tmp/ood_src
    pip download --no-deps scikit-image==0.26.0 scikit-learn==1.9.1 matplotlib==3.11.2 scipy==1.9.3 -d wheels
    unzip -q wheels/scikit_image-*.whl -d ski; unzip -q wheels/scikit_learn-*.whl -d sk
    unzip -q wheels/matplotlib-*.whl -d mpl;    unzip -q wheels/scipy-*.whl -d sp
    mkdir -p deb && cd deb && apt-get download lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds \
        palapeli-data plasma-workspace-wallpapers && for f in *.deb; do dpkg -x "$f" x/"${f%%_*}"; done && cd ..
    python /path/to/engine/captioning/ood_photos/build_photos.py      # (run in /tmp/ood_src)

Each photo: decoded (SciPy's two arrays from its own files: ``ascent.dat`` is a pickle of SciPy's own package,
``face.dat`` bz2 raw RGB), converted to RGB, shrunk to at most 320 px on the long side (Lanczos), saved as
JPEG quality 92; the sha256 of the original and of the copy go to ``built.json`` (copied into photos.json).
The package versions above are the ones the photos were taken from on 2026-11-29 (see photos.json's sources).
"""
# ruff: noqa

import hashlib, io, json, pickle, bz2, sys
import numpy as np
from PIL import Image
Image.MAX_IMAGE_PIXELS = None
OUT = __import__('os').path.dirname(__import__('os').path.abspath(__file__))
L = 'deb/x/lomiri-wallpapers-16.04/usr/share/backgrounds/'
L20 = 'deb/x/lomiri-wallpapers-20.04/usr/share/backgrounds/'
M = 'deb/x/mate-backgrounds/usr/share/backgrounds/mate/nature/'
P = 'deb/x/palapeli-data/usr/share/palapeli/collection/'
K = 'deb/x/plasma-workspace-wallpapers/usr/share/wallpapers/'
S = 'ski/skimage/data/'
SRC = {
 'astronaut': S+'astronaut.png', 'cameraman': S+'camera.png', 'cat': S+'chelsea.png', 'coffee': S+'coffee.png',
 'rocket': S+'rocket.jpg', 'galaxies': S+'hubble_deep_field.jpg',
 'temple': 'sk/sklearn/datasets/images/china.jpg', 'flower': 'sk/sklearn/datasets/images/flower.jpg',
 'grace_hopper': 'mpl/matplotlib/mpl-data/sample_data/grace_hopper.jpg',
 'stairs': 'sp/scipy/misc/ascent.dat', 'raccoon': 'sp/scipy/misc/face.dat',
 'two_dogs': L+'friends_by_Aitzol_Berasategi.jpg', 'mountain_valley': L+'aitzgorri_by_Aitzol_Berasategi.jpg',
 'mountain_path': L+'picosdeeuropa_by_Aitzol_Berasategi.jpg', 'forest_stream': L+'life_by_Aitzol_Berasategi.jpg',
 'sunset_hills': L+'sunset_by_Aitzol_Berasategi.jpg', 'fruit_bowl': L+'Picture_0B_by_freespace.jpg',
 'dandelions': L+'seeding_by_Clements_Engelhardt.jpg', 'bird': L20+'Kleiber_by_Lukas_Baubkus.jpg',
 'ladybird': M+'LadyBird.jpg', 'yellow_flower': M+'YellowFlower.jpg', 'dune_grass': M+'Dune.jpg',
 'bridge_night': P+'cincinnati-bridge.jpg', 'citrus': P+'citrus-fruits.jpg', 'bee': P+'european-honey-bee.jpg',
 'pier': K+'BytheWater/contents/images/1920x1080.jpg', 'foggy_pier': K+'ColdRipple/contents/images/1920x1080.jpg',
 'boats': K+'EveningGlow/contents/images/1920x1080.jpg', 'forest_path': K+'Path/contents/images/1920x1080.jpg',
 'lake_dusk': K+'summer_1am/contents/images/1920x1080.jpg', 'beach_aerial': K+'Volna/contents/images/5120x2880.jpg',
 'autumn_leaves': K+'FallenLeaf/contents/images/1920x1080.jpg',
}
def load(p):
    if p.endswith('ascent.dat'):
        return Image.fromarray(np.array(pickle.load(open(p, 'rb'))).astype(np.uint8), 'L')
    if p.endswith('face.dat'):
        return Image.fromarray(np.frombuffer(bz2.decompress(open(p, 'rb').read()), np.uint8).reshape(768, 1024, 3))
    im = Image.open(p); im.load(); return im
def main():
    info = {}
    for name, p in SRC.items():
        raw = open(p, 'rb').read()
        im = load(p).convert('RGB')
        im.thumbnail((320, 320), Image.Resampling.LANCZOS)
        buf = io.BytesIO(); im.save(buf, 'JPEG', quality=92)
        data = buf.getvalue()
        open(f'{OUT}/{name}.jpg', 'wb').write(data)
        info[name] = dict(source_sha256=hashlib.sha256(raw).hexdigest(), sha256=hashlib.sha256(data).hexdigest(),
                          size=list(im.size), bytes=len(data))
    json.dump(info, open('built.json', 'w'), indent=1)
    print(len(info), sum(v['bytes'] for v in info.values()))


if __name__ == "__main__":
    main()
