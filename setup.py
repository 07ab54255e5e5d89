"""Build script: the package metadata and the Cython extensions in nlpzero/_ext."""

import os
import re

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read(*parts):
    with open(os.path.join(HERE, *parts), encoding="utf-8") as f:
        return f.read()


VERSION = re.search(r'__version__ = "([^"]+)"', read("nlpzero", "__init__.py")).group(1)

# Portable flags only: no -march=native, no OpenMP (threads come from Python's
# threading over nogil kernels), so the package builds anywhere with a C compiler.
# -fno-math-errno (GCC and Clang; Clang's default on macOS) only stops sqrt from
# setting errno, which nothing reads; it lets the GloVe update vectorise sqrtf.
extensions = [
    Extension(
        f"nlpzero._ext.{name}",
        [f"nlpzero/_ext/{name}.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3", "-fno-math-errno"] if os.name != "nt" else ["/O2"],
    )
    for name in ("text", "runs", "trie", "unigram", "tagger", "discovery", "ngrams", "cooccur", "glove", "lexfile", "vecfile", "templates",
                 "jiebacut")
]

CLUSTER = ["dask[distributed]>=2024.8", "fsspec>=2023.1"]
# only to load what `nlpzero export` writes (writing needs neither)
EXPORT = ["tokenizers>=0.15", "sentencepiece>=0.1.99"]
# `nlpzero report`'s charts (inline SVG); see docs/report.md for why matplotlib
REPORT = ["matplotlib>=3.7"]

setup(
    name="nlpzero-kit",
    version=VERSION,
    description="Unsupervised Chinese NLP from raw text: n-gram counts, word discovery, tokenizer, word vectors, templates",
    long_description=read("README.md"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    packages=find_packages(include=["nlpzero", "nlpzero.*"]),
    package_data={"nlpzero._ext": ["*.pyx", "*.pxd"]},
    ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
    install_requires=["numpy>=1.23", "scipy>=1.8", "click>=8.0", "jieba>=0.42", "gensim>=4.0"],
    extras_require={
        "cluster": CLUSTER,
        "export": EXPORT,
        "report": REPORT,
        "test": ["pytest>=7", "hypothesis>=6", *CLUSTER, *EXPORT, *REPORT, "transformers>=4.40"],
    },
    entry_points={"console_scripts": ["nlpzero = nlpzero.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Cython",
        "Natural Language :: Chinese (Simplified)",
        "Topic :: Text Processing :: Linguistic",
    ],
)
