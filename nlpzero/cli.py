"""The ``nlpzero`` command line: parses options, opens files and calls the library."""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import signal
import sys

import click

from . import __version__
from .corpus import Corpus, expand_paths
from .counts import DEFAULT_ORDER, MAX_ORDER, NgramCounts, count, merge
from .discovery import DEFAULT_ORDER as DISCOVER_ORDER, METHODS, UNITS, discover, load_base, new_words
from .errors import InputError, NlpzeroError
from .export import FORMATS as EXPORT_FORMATS, export as export_tokenizer
from .fileio import MIN_MEMORY, atomic_output, check_output, open_input, parse_size
from .lexicon import FORMATS, Lexicon, jieba_dictionary_path
from .parallel import MAX_JOBS, default_jobs
from .progress import SILENT, TerminalProgress, print_above
from .report import DEFAULT_TOP as REPORT_TOP, run_report
from .templates import find_templates
from .tokenizer import Tokenizer
from .vectors.train import METHODS as VECTOR_METHODS, train_vectors

log = logging.getLogger("nlpzero")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so that every cleanup runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


class _Group(click.Group):
    """Turns user errors into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx):
        previous = {}
        for name in ("SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None:
                with contextlib.suppress(ValueError, OSError):    # not the main thread
                    previous[signum] = signal.signal(signum, _terminate)
        try:
            return super().invoke(ctx)
        except NlpzeroError as exc:
            raise click.ClickException(str(exc)) from None
        except MemoryError:
            raise click.ClickException("out of memory: try a smaller --max-memory or fewer --jobs") from None
        except Terminated as exc:
            click.echo(f"nlpzero: terminated by {signal.Signals(exc.signum).name}", err=True)
            sys.exit(128 + exc.signum)
        except KeyboardInterrupt:
            click.echo("nlpzero: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # e.g. `nlpzero count ... -o - | head`: the reader went away.
            with contextlib.suppress(Exception):
                sys.stdout = open(os.devnull, "w")
            sys.exit(0)
        except OSError as exc:
            name = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{name}{exc.strerror or exc}") from None
        finally:
            for signum, handler in previous.items():
                with contextlib.suppress(ValueError, OSError, TypeError):
                    signal.signal(signum, handler)


class _LogHandler(logging.Handler):
    def emit(self, record):
        print_above(f"nlpzero: {record.levelname.lower()}: {record.getMessage()}")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nlpzero")
@click.option("--verbose", is_flag=True, help="Log diagnostics to stderr.")
def main(verbose):
    """Unsupervised Chinese NLP from raw text: count n-grams, discover words,
    tokenize, train word vectors, find sentence templates."""
    if not any(isinstance(h, _LogHandler) for h in log.handlers):
        log.addHandler(_LogHandler())
    log.setLevel(logging.DEBUG if verbose else logging.INFO)


# ---------------------------------------------------------------- shared options

def defaults(fn) -> dict:
    """The library's defaults for a function's parameters: the CLI takes its own from them."""
    return {name: p.default for name, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty}


def corpus_options(fn):
    fn = click.option("--encoding", default="utf-8", show_default=True,
                      help="Input encoding (gb18030, big5, utf-16-le ...); invalid bytes are replaced "
                           "and reported once per file.")(fn)
    return quiet_option(fn)


def quiet_option(fn, expose_value: bool = True):
    """-q/--quiet: every command takes it; those without progress bars need not see its value."""
    return click.option("-q", "--quiet", is_flag=True, callback=_quiet, expose_value=expose_value,
                        help="No progress bars and no info lines (warnings and errors still show).")(fn)


def quiet_flag(fn):
    """-q/--quiet for a command without progress bars: it silences info lines only."""
    return quiet_option(fn, expose_value=False)


def _quiet(ctx, param, value):
    if value and log.level > logging.DEBUG:      # --verbose wins
        log.setLevel(logging.WARNING)
    return value


def jobs_option(what: str):
    def decorate(fn):
        fn = click.option("--threads", "threads", type=click.IntRange(1), default=None, hidden=True)(fn)
        return click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=None,
                            help=f"Threads to {what} with  [default: all cores, at most 8].")(fn)
    return decorate


def progress_for(quiet: bool):
    """Bars on stderr when it is a terminal and --quiet is not given."""
    return SILENT if quiet or not sys.stderr.isatty() else TerminalProgress(sys.stderr)


def _jobs(jobs, threads=None) -> int:
    return jobs or threads or default_jobs()


def _size(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_size(value, minimum=MIN_MEMORY)
    except NlpzeroError as exc:
        raise click.BadParameter(str(exc)) from None


def spill_options(tables: str):
    """--max-memory and --temp-dir for a command whose tables spill sorted runs to disk."""
    def decorate(fn):
        fn = click.option("--temp-dir", type=click.Path(file_okay=False), default=None,
                          help="Where to spill runs  [default: the system temporary directory].")(fn)
        return click.option("--max-memory", callback=_size, metavar="SIZE",
                            help=f"{tables}, e.g. 2G (at least 16M); beyond it sorted runs are spilled to "
                                 "--temp-dir and merged (counts stay exact).  [default: a third of RAM]")(fn)
    return decorate


def cluster_options(fn):
    """--scheduler and --work-dir for a command that can run on a Dask cluster."""
    fn = click.option("--work-dir", metavar="URL", default=None,
                      help="With --scheduler: a directory every worker and this machine can reach (a path or "
                           "an fsspec URL such as s3://bucket/tmp) for the shards, removed at the end  "
                           "[default: a temporary directory, right when the workers run on this host].")(fn)
    return click.option("--scheduler", metavar="ADDRESS", envvar="NLPZERO_SCHEDULER", default=None,
                        help="Run on the Dask cluster of this scheduler (tcp://HOST:8786; also "
                             "$NLPZERO_SCHEDULER); needs the cluster extra: pip install 'nlpzero-kit[cluster]'. "
                             "Results are the same as on one machine.")(fn)


def open_corpus(inputs, encoding: str) -> Corpus:
    return Corpus(list(inputs), encoding=encoding)


def output_check(output: str | None, *inputs) -> None:
    """Check an output path before any work: missing directory, a directory, an input."""
    if output is None:
        return
    paths = []
    for item in inputs:
        if isinstance(item, Corpus):
            paths.extend(item.paths)
        elif item:
            paths.extend(expand_paths([item]) if not isinstance(item, (list, tuple)) else expand_paths(item))
    check_output(output, paths)


# ---------------------------------------------------------------- count / merge

@main.command("count")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Counts file to write ('-' for stdout with --format tsv); a path ending in / is written as a "
                   "partitioned counts directory (a manifest and parts, which merge and discover --counts read).")
@click.option("--order", type=click.IntRange(1, MAX_ORDER), default=DEFAULT_ORDER, show_default=True,
              help="Count n-grams of 1..ORDER characters.")
@click.option("--min-count", type=click.IntRange(1), default=1, show_default=True,
              help="Keep only n-grams seen at least this often.")
@jobs_option("count")
@spill_options("Memory for the count tables")
@click.option("--fold-numbers", is_flag=True,
              help="Count every number as one symbol, as discovery does: counts for `discover --counts`.")
@click.option("--format", "fmt", type=click.Choice(["binary", "tsv"]), default="binary", show_default=True,
              help="binary: the versioned counts file; tsv: ngram<TAB>count lines.")
@cluster_options
@corpus_options
def count_command(corpus, output, order, min_count, jobs, threads, max_memory, temp_dir, fold_numbers, fmt, scheduler,
                  work_dir, encoding, quiet):
    """Count every character n-gram of orders 1..ORDER in CORPUS.

    CORPUS is files, directories (read recursively), glob patterns or '-' for
    stdin; .gz, .bz2 and .xz are decompressed.  N-grams never cross a segment
    boundary (punctuation, symbols, whitespace: see `nlpzero.corpus`).

    \b
    Examples:
      nlpzero count corpora/hongloumeng.txt -o hlm.ngc
      nlpzero count news/ --order 6 --min-count 2 -j 2 -o news.ngc
      nlpzero count corpus.txt.gz --format tsv -o - | sort -t$'\\t' -k2nr | head
    """
    _check_counts_output(output, fmt)
    source = open_corpus(corpus, encoding)
    options = dict(order=order, jobs=_jobs(jobs, threads), max_memory=max_memory, min_count=min_count,
                   fold_numbers=fold_numbers, temp_dir=temp_dir)
    if output.endswith("/"):
        count(source, scheduler=scheduler, work_dir=work_dir, progress=progress_for(quiet) if scheduler else None,
              parts_dir=output, **options)
        log.info("wrote the counts directory %s", output)
        return
    output_check(output, source)
    if scheduler:
        counts = count(source, scheduler=scheduler, work_dir=work_dir, progress=progress_for(quiet), **options)
    else:
        with progress_for(quiet).task("counting", total=source.total_bytes, unit="B") as advance:
            counts = count(source, progress=advance, **options)
    _write_counts(counts, output, fmt)
    if output != "-":
        distinct = ", ".join(f"{n}-grams: {counts.distinct(n):,}" for n in range(1, order + 1))
        log.info("wrote %s (%s)", output, distinct)


@main.command("merge")
@quiet_flag
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Merged counts file (a path ending in / for a counts directory).")
@click.option("--min-count", type=click.IntRange(1), default=1, show_default=True,
              help="Keep only n-grams whose merged count is at least this.")
@click.option("--format", "fmt", type=click.Choice(["binary", "tsv"]), default="binary", show_default=True)
def merge_command(inputs, output, min_count, fmt):
    """Add up counts files or directories made by `nlpzero count` (e.g. on different machines)."""
    _check_counts_output(output, fmt)
    if not output.endswith("/"):
        output_check(output, [i for i in inputs if not os.path.isdir(i)])
    merged = merge([NgramCounts.load(path) for path in inputs], min_count=min_count)
    _write_counts(merged, output, fmt)


def _check_counts_output(output: str, fmt: str) -> None:
    if fmt == "binary" and output == "-":
        raise click.UsageError("binary counts cannot go to stdout; use --format tsv or a file name")
    if fmt != "binary" and output.endswith("/"):
        raise click.UsageError("a counts directory (-o DIR/) holds binary parts; drop --format tsv")


def _write_counts(counts: NgramCounts, output: str, fmt: str) -> None:
    if output.endswith("/"):
        counts.save_parts(output)
    elif fmt == "binary":
        counts.save(output)
    else:
        with atomic_output(output, "w", encoding="utf-8") as out:
            counts.write_tsv(out)


# ---------------------------------------------------------------- discover

DISCOVER = defaults(discover)


@main.command("discover")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", metavar="LEXICON",
              help="Write the lexicon here (all words, single characters included, most frequent first). "
                   "Without it, the top words are printed.")
@click.option("--method", type=click.Choice(METHODS), default=DISCOVER["method"], show_default=True,
              help="pairs: cut weak adjacent pairs (nlp-zero); ngram: keep solid n-grams (word-discovery).")
@click.option("--order", type=click.IntRange(2, MAX_ORDER), default=DISCOVER_ORDER, show_default=True,
              help="Longest n-gram whose cohesion the ngram method checks.")
@click.option("--min-count", type=click.IntRange(1), default=None,
              help="Rarest word kept  [default: grows with the corpus, max(2, sqrt(characters)/500)].")
@click.option("--refine/--no-refine", default=DISCOVER["refine"], show_default=True,
              help="Minimum-entropy refinement: code-length pruning and Viterbi re-estimation.")
@click.option("--self-train/--no-self-train", default=DISCOVER["self_train"], show_default=True,
              help="After refinement, recount the words as a tagger trained on the lexicon's own "
                   "segmentation segments the corpus (better on rare and unseen words; not with --base).")
@click.option("--unit", type=click.Choice(UNITS), default=DISCOVER["unit"], show_default=True,
              help="char: combine characters into words; word: combine the words of space-separated "
                   "text into multi-word units (\"new york\"); auto: decide from the text.")
@click.option("-k", "--top", type=click.IntRange(1), default=None,
              help="Keep only the K most frequent words  [default: all with -o, 50 printed].")
@click.option("--format", "fmt", type=click.Choice(["tsv", "jieba", "json"]), default="tsv", show_default=True,
              help="tsv: word, count, gain (nats saved per occurrence); jieba: 'word freq' for "
                   "jieba.set_dictionary / load_userdict; json.  Also for the printed words.")
@click.option("--base", metavar="DICT",
              help="Adapt this dictionary to the corpus ('jieba': jieba's bundled one): its words re-estimated "
                   "on the corpus, those the corpus splits dropped, plus the corpus's new words.")
@click.option("--exclude-known", is_flag=False, flag_value="", default=None, metavar="[DICT]",
              help="List only new words: words of two or more characters absent from DICT "
                   "(a dictionary or word list; when no DICT is given, the --base, else jieba's bundled one).")
@click.option("--counts", "counts_files", multiple=True, metavar="FILE",
              help="Use counts saved by `nlpzero count --fold-numbers` (repeatable; they are merged) instead of "
                   "counting; the corpus is still read for the fragment passes.")
@jobs_option("discover")
@spill_options("Memory for the tables")
@cluster_options
@corpus_options
def discover_command(corpus, output, method, order, min_count, refine, self_train, unit, top, fmt, base, exclude_known,
                     counts_files, jobs, threads, max_memory, temp_dir, scheduler, work_dir, encoding, quiet):
    """Discover the words of CORPUS from raw text alone (minimum entropy).

    CORPUS is files, directories or globs (not '-': it is read several times).
    Defaults scale with the corpus, so no flag needs tuning.  Numbers are one
    class: a word written <NUM>年 matches any number followed by 年.

    \b
    Examples:
      nlpzero discover corpora/hongloumeng.txt
      nlpzero discover news/ -o news.tsv
      nlpzero discover news/ --exclude-known --top 200
      nlpzero discover news/ --base jieba -o news-dict.tsv      # jieba's words fitted to news/, plus its new ones
      nlpzero discover news/ --format jieba -o userdict.txt   # jieba.load_userdict('userdict.txt')
    """
    source = open_corpus(corpus, encoding)
    source.require_rereadable("discover")
    output_check(output, source, list(counts_files), exclude_known if exclude_known not in (None, "", "jieba") else None,
                 base if base != "jieba" else None)
    counts = merge([NgramCounts.load(path) for path in counts_files]) if counts_files else None
    base_lexicon = load_base(base)
    known = None
    if exclude_known == "" and base_lexicon is not None:
        known = base_lexicon
    elif exclude_known is not None:
        known = Lexicon.load(jieba_dictionary_path() if exclude_known in ("", "jieba") else exclude_known)
    lexicon = discover(source, method=method, order=order, min_count=min_count, refine=refine,
                       self_train=self_train, unit=unit,
                       jobs=_jobs(jobs, threads), counts=counts, progress=progress_for(quiet), max_memory=max_memory,
                       temp_dir=temp_dir, scheduler=scheduler, work_dir=work_dir, base=base_lexicon)
    if known is not None:
        lexicon = new_words(lexicon, known)
    if output is None:
        shown = Lexicon(lexicon.most_common(), columns=lexicon.columns, scores=lexicon.scores).multi_character()
        shown.write(sys.stdout, fmt, limit=top or 50, header=False)
        return
    written = lexicon.save(output, format=fmt, limit=top)
    offered = len(lexicon) if top is None else min(top, len(lexicon))
    left_out = f"; {offered - written} with <NUM> or spaces left out, as jieba's format cannot hold them" \
        if written < offered else ""
    log.info("wrote %s (%d words%s)", output, written, left_out)


# ---------------------------------------------------------------- tokenize

@main.command("tokenize")
@click.argument("inputs", nargs=-1, metavar="[FILE]...")
@click.option("-l", "--lexicon", metavar="LEXICON",
              help="Lexicon (nlpzero TSV, jieba dictionary, word list) or compiled model (`nlpzero compile`)  "
                   "[default: jieba's bundled dictionary, compiled once and cached].")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE", help="Where to write ('-': stdout).")
@click.option("--sep", default=" ", show_default=True, help="String written between tokens.")
@click.option("--split-runs", is_flag=True,
              help="Let lexicon words cut runs of letters/digits, as jieba does (by default a run stays whole).")
@jobs_option("segment")
@cluster_options
@corpus_options
def tokenize_command(inputs, lexicon, output, sep, split_runs, jobs, threads, scheduler, work_dir, encoding, quiet):
    """Split text into words: the maximum-probability path through LEXICON.

    Reads FILEs (or directories, globs, '-' for stdin; stdin when none is
    given) and writes one output line per input line, tokens joined by --sep,
    whitespace dropped.  Text in no lexicon word stays whole when it is a run
    of letters/digits ("iPhone12", "3.14") or of one repeated mark ("——");
    other characters become single tokens.  From a terminal or a pipe each
    line is answered as it arrives.

    \b
    Examples:
      nlpzero tokenize -l words.tsv corpus.txt -o corpus.tok
      nlpzero compile /path/to/jieba/dict.txt -o jieba.nlpztok
      cat news.txt | nlpzero tokenize -l jieba.nlpztok --sep '/' -j 2
    """
    if "\n" in sep or "\r" in sep:
        raise click.BadParameter("the separator cannot contain a line break", param_hint="--sep")
    source = open_corpus(list(inputs) or ["-"], encoding)
    output_check(output, source, lexicon)
    if lexicon is None:
        from .cache import compiled_dictionary
        tokenizer = compiled_dictionary(jieba_dictionary_path()).with_split_runs(split_runs)
    else:
        tokenizer = Tokenizer.load(lexicon, split_runs=split_runs)
    interactive = "-" in source.paths and not _is_regular(sys.stdin)
    with atomic_output(output, "wb") as out:
        tokenizer.tokenize_corpus(source, out, separator=sep, jobs=_jobs(jobs, threads),
                                  progress=SILENT if interactive else progress_for(quiet), interactive=interactive,
                                  scheduler=scheduler, work_dir=work_dir)


def _is_regular(stream) -> bool:
    import stat
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return True


# ---------------------------------------------------------------- vectors

VECTORS = defaults(train_vectors)


@main.command("vectors")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", required=True, metavar="VECTORS", help="Vectors file (word2vec format).")
@click.option("-l", "--lexicon", metavar="LEXICON", help="Tokenize with this lexicon or tokenizer model.")
@click.option("--tokenized", is_flag=True, help="The corpus is already tokenized: split on whitespace.")
@click.option("--method", type=click.Choice(VECTOR_METHODS), default=VECTORS["method"], show_default=True,
              help="glove: simpler GloVe, <v_i, v_j> fits the positive PMI (compiled); word2vec: gensim's skip-gram; "
                   "fasttext: gensim's skip-gram over words and their character n-grams (1 to 4).")
@click.option("--dim", type=click.IntRange(2), default=None,
              help="Dimension  [default: glove 8.33 ln(vocabulary), the minimum-entropy rule; otherwise 100].")
@click.option("--window", type=click.IntRange(1), default=None, help="Context window  [default: glove 10, otherwise 5].")
@click.option("--epochs", type=click.IntRange(1), default=None, help="Passes  [default: glove 15, otherwise 5].")
@click.option("--weighting", type=click.Choice(["linear", "uniform", "harmonic"]), default=VECTORS["weighting"],
              show_default=True,
              help="glove: a pair at distance d counts (window+1-d)/window (word2vec's shrinking window), "
                   "1, or 1/d.")
@click.option("--sample", type=click.FloatRange(min=0), default=VECTORS["sample"], show_default=True,
              help="Drop occurrences of words more frequent than this at random, as word2vec does (0: keep all).")
@click.option("--min-count", type=click.IntRange(1), default=VECTORS["min_count"], show_default=True,
              help="Rarest word kept.")
@click.option("--max-vocab", type=click.IntRange(2), default=None, help="Keep at most this many words.")
@click.option("--truncate", is_flag=True,
              help="glove: cap pair weights (x / x-max)^0.75 at 1, as the original does with --x-max 100 "
                   "(helps rare words, under-fits frequent ones).")
@click.option("--model", type=click.Choice(["shared", "concat", "sum"]), default=VECTORS["model"],
              show_default=True,
              help="glove: one vector per word, or separate word/context vectors concatenated or summed.")
@click.option("--context-smoothing", type=click.FloatRange(0.1, 1.0), default=VECTORS["context_smoothing"],
              show_default=True, help="glove: raise word counts to this power in the PMI (1 is the plain PMI "
                                      "of the paper).")
@click.option("--positive-pmi/--signed-pmi", default=VECTORS["positive_pmi"], show_default=True,
              help="glove: fit co-occurring pairs to max(PMI, 0) (PPMI: a pair seen less often than chance is "
                   "fit to independence), or to the PMI itself, negative values included.")
@click.option("--x-max", type=click.FloatRange(min=1e-6), default=VECTORS["x_max"], show_default=True,
              help="glove: pairs weigh (x / x-max)^0.75 (capped at 1 with --truncate; the paper uses 100).")
@click.option("--unobserved", type=click.FloatRange(min=0), default=VECTORS["unobserved"], show_default=True,
              help="glove: per co-occurring pair and epoch, this many random word pairs; those that never "
                   "co-occur are pulled down to the PMI of one co-occurrence (Swivel's hinge; 0: off).")
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=VECTORS["learning_rate"],
              show_default=True, help="glove: AdaGrad's step η (measured better than the usual 0.1 with "
                                      "--unobserved).")
@click.option("--spectrum", type=click.FloatRange(0, 2), default=VECTORS["spectrum"], show_default=True,
              help="glove: raise the fitted vectors' singular values to this power (eigenvalue weighting; "
                   "measured better for similarity and analogy; 1: inner products are the PMI fit).")
@click.option("--characters", type=click.FloatRange(min=0), default=VECTORS["characters"],
              help="glove: add this weight of the mean of a word's characters' vectors to it  [default: set by "
                   "how much the vectors say characters share their words' meaning: about 1 for Chinese, "
                   "0 for letters; 0: off].")
@spill_options("glove: memory for the co-occurrence table")
@click.option("--format", "fmt", type=click.Choice(["binary", "text"]), default="binary", show_default=True,
              help="word2vec's binary format (loads several times faster) or its text format.")
@jobs_option("train")
@click.option("--seed", type=int, default=VECTORS["seed"], show_default=True)
@cluster_options
@corpus_options
def vectors_command(corpus, output, lexicon, tokenized, method, dim, window, epochs, weighting, sample, min_count,
                    max_vocab, truncate, model, context_smoothing, positive_pmi, x_max, unobserved, learning_rate,
                    spectrum,
                    characters, max_memory, temp_dir, fmt, jobs, threads, seed, scheduler, work_dir, encoding, quiet):
    """Train word vectors on CORPUS (files, directories or globs; not '-':
    it is read more than once).

    Chinese text needs -l LEXICON (e.g. from `nlpzero discover`); text that is
    already tokenized (English, `nlpzero tokenize` output) takes --tokenized.
    Tokens without a letter, digit or ideograph (punctuation) are left out.
    With --scheduler, glove's vocabulary and co-occurrences are counted on
    the cluster and the vectors trained on this machine; word2vec and fasttext run here.

    \b
    Examples:
      nlpzero discover news.txt -o news.tsv && nlpzero vectors news.txt -l news.tsv -o news.vec
      nlpzero vectors text8.txt --tokenized --method word2vec -o text8.vec
    """
    if bool(lexicon) == tokenized:
        raise InputError("give either -l LEXICON (to tokenize) or --tokenized (already tokenized), not both or neither")
    source = open_corpus(corpus, encoding)
    source.require_rereadable("vectors")
    output_check(output, source, lexicon)
    tokenizer = Tokenizer.load(lexicon) if lexicon else None
    vectors = train_vectors(source, tokenizer, method=method, dim=dim, window=window, epochs=epochs,
                            min_count=min_count, max_vocab=max_vocab, sample=sample, weighting=weighting,
                            truncate=truncate, model=model, context_smoothing=context_smoothing,
                            positive_pmi=positive_pmi, x_max=x_max,
                            unobserved=unobserved, learning_rate=learning_rate, spectrum=spectrum,
                            characters=characters, max_memory=max_memory, temp_dir=temp_dir,
                            jobs=_jobs(jobs, threads), seed=seed, progress=progress_for(quiet),
                            scheduler=scheduler, work_dir=work_dir)
    vectors.save(output, binary=fmt == "binary")
    log.info("wrote %s (%d words, dimension %d)", output, len(vectors), vectors.vectors.shape[1])


def _query_options(fn):
    fn = quiet_flag(fn)
    fn = click.option("--batch", metavar="FILE",
                      help="Also answer the queries of FILE, one per line ('-': stdin).")(fn)
    fn = click.option("-k", "--top", "k", type=click.IntRange(1), default=10, show_default=True,
                      help="How many answers.")(fn)
    fn = click.option("-v", "--vectors", "vectors_path", required=True, metavar="VECTORS",
                      help="Vectors file (word2vec binary or text).")(fn)
    return fn


def _queries(arguments, batch, arity: int, usage: str) -> list[list[str]]:
    """The queries of the command line (arity words each) and of --batch."""
    words = list(arguments)
    if len(words) % arity:
        raise click.UsageError(f"give {usage}" + (" (several: a multiple of 3 words)" if arity > 1 else ""))
    queries = [words[i:i + arity] for i in range(0, len(words), arity)]
    if any(not word.strip() for word in words):
        raise click.UsageError(f"an empty word: give {usage}")
    if batch:
        for number, line in enumerate(_batch_lines(batch), 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != arity:
                raise InputError(f"{batch}: line {number}: expected {usage}, got {line.strip()!r}")
            queries.append(parts)
    if not queries:
        raise click.UsageError(f"give {usage}, or --batch FILE")
    return queries


def _batch_lines(batch: str) -> list[str]:
    """The lines of a --batch file ('-': stdin): UTF-8, a byte-order mark dropped."""
    if batch == "-":
        data = sys.stdin.buffer.read()
    else:
        with open_input(batch) as stream:
            data = stream.read()
    try:
        return data.decode("utf-8-sig").split("\n")
    except UnicodeDecodeError as exc:
        raise InputError(f"{batch}: not UTF-8 text (an invalid byte at offset {exc.start:,})") from None


def _answer(vectors_path, queries, ask):
    """Answer every query: ranked `word<TAB>score` lines; with several
    queries each line starts with its query, and an unknown word is reported
    on stderr without stopping the others."""
    from .vectors import WordVectors
    from .vectors.keyed import UnknownWord
    wv = WordVectors.load(vectors_path)
    failed = 0
    for query in queries:
        for word in query if len(query) < 4 else ():
            if word not in wv and wv.parts(word):
                log.info("%s is not in the vocabulary: composed of %s", word, " + ".join(wv.parts(word)))
        try:
            answers = ask(wv, *query)
        except UnknownWord as exc:
            if len(queries) == 1:
                raise
            log.warning("%s: %s", " ".join(query), exc)
            failed += 1
            continue
        prefix = " ".join(query) + "\t" if len(queries) > 1 else ""
        for word, score in answers:
            click.echo(f"{prefix}{word}\t{score:.4f}")
    if failed == len(queries):
        raise InputError("no query could be answered")


@main.command("similar")
@_query_options
@click.argument("words", nargs=-1)
def similar_command(vectors_path, k, batch, words):
    """Words most similar to each WORD (cosine of their vectors).  A word
    outside the vocabulary is composed of the vocabulary words it splits into."""
    _answer(vectors_path, _queries(words, batch, 1, "a WORD"), lambda wv, w: wv.similar(w, k))


@main.command("related")
@_query_options
@click.argument("words", nargs=-1)
def related_command(vectors_path, k, batch, words):
    """Words most related to each WORD (inner product: for simpler GloVe, their positive PMI as fitted,
    before --spectrum reweighting)."""
    _answer(vectors_path, _queries(words, batch, 1, "a WORD"), lambda wv, w: wv.related(w, k))


@main.command("analogy")
@_query_options
@click.option("--mul", is_flag=True, help="3CosMul instead of 3CosAdd.")
@click.argument("words", nargs=-1)
def analogy_command(vectors_path, k, batch, mul, words):
    """Answer A - B + C: `nlpzero analogy -v V 国王 男人 女人` asks 国王 - 男人 + 女人
    (king is to man as what is to woman?).  Several triples may follow."""
    method = "mul" if mul else "add"
    _answer(vectors_path, _queries(words, batch, 3, "A B C"), lambda wv, a, b, c: wv.analogy(a, b, c, k, method))


@main.command("keywords")
@_query_options
@click.option("-l", "--lexicon", metavar="LEXICON", help="Tokenize SENTENCE with this lexicon (else split on spaces).")
@click.argument("sentences", nargs=-1)
def keywords_command(vectors_path, k, batch, lexicon, sentences):
    """The words of each SENTENCE that best predict it: ranked by <Σ v_i, v_w>
    (punctuation left out).  With --batch, one sentence per line."""
    tokenizer = Tokenizer.load(lexicon) if lexicon else None
    queries = [[s] for s in sentences]
    if batch:
        queries += [[line.strip()] for line in _batch_lines(batch) if line.strip()]
    if not queries:
        raise click.UsageError("give a SENTENCE, or --batch FILE")

    def ask(wv, sentence):
        tokens = tokenizer.tokenize(sentence) if tokenizer else sentence.split()
        return wv.keywords([t for t in tokens if not t.isspace()], k)
    _answer(vectors_path, queries, ask)


# ---------------------------------------------------------------- templates

TEMPLATES = defaults(find_templates)


@main.command("templates")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-l", "--lexicon", required=True, metavar="LEXICON", help="Lexicon or tokenizer model.")
@click.option("-o", "--output", metavar="TEMPLATES", help="Write all templates here; else print the top ones.")
@click.option("--window", type=click.IntRange(1), default=TEMPLATES["window"], show_default=True,
              help="Skip-gram window.")
@click.option("--min-count", type=click.IntRange(1), default=None,
              help="Rarest pair/template kept  [default: grows with the corpus, as in discover].")
@click.option("--min-pmi", type=float, default=TEMPLATES["min_pmi"], show_default=True,
              help="Strong pairs have PMI above this.")
@click.option("-k", "--top", type=click.IntRange(1), default=None, help="Keep the K most frequent  [printed: 30].")
@jobs_option("tokenize")
@spill_options("Memory for the pair table")
@corpus_options
def templates_command(corpus, lexicon, output, window, min_count, min_pmi, top, jobs, threads, max_memory, temp_dir,
                      encoding, quiet):
    """Find the frequent sentence templates of CORPUS ("[X] 怎么样", "为什么 [X]").

    CORPUS is files, directories or globs (not '-': it is read twice).
    Without -o, prints the top non-trivial templates ([X] w [X] is trivial)."""
    source = open_corpus(corpus, encoding)
    source.require_rereadable("templates")
    output_check(output, source, lexicon)
    found = find_templates(source, Tokenizer.load(lexicon), window=window, min_count=min_count, min_pmi=min_pmi,
                           jobs=_jobs(jobs, threads), max_memory=max_memory, temp_dir=temp_dir,
                           progress=progress_for(quiet))
    if output is None:
        found.write(sys.stdout, limit=top or 30, trivial=False)
    else:
        with atomic_output(output, "w", encoding="utf-8") as out:
            found.write(out, limit=top)
        log.info("wrote %s (%d templates)", output, len(found) if top is None else min(top, len(found)))


@main.command("parse")
@quiet_flag
@click.argument("sentence_args", nargs=-1, required=True, metavar="SENTENCE...")
@click.option("-t", "--templates", "templates_path", required=True, metavar="TEMPLATES")
@click.option("-l", "--lexicon", required=True, metavar="LEXICON")
@click.option("--json", "as_json", is_flag=True, help="One JSON tree per line instead of ASCII trees.")
def parse_command(sentence_args, templates_path, lexicon, as_json):
    """Parse SENTENCEs ('-' reads lines from stdin) into nested templates."""
    from .templates import Parser, Templates

    parser = Parser(Templates.load(templates_path))
    tokenizer = Tokenizer.load(lexicon)
    texts = sys.stdin if sentence_args == ("-",) else sentence_args
    for text in texts:
        for tree in parser.parse_text(text.rstrip("\n"), tokenizer):
            click.echo(tree.to_json() if as_json else tree.render() + "\n")


@main.command("compile")
@quiet_flag
@click.argument("lexicon")
@click.option("-o", "--output", required=True, metavar="MODEL", help="Model file to write.")
@click.option("--input-format", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="The format of LEXICON, the input (--format is the old name)  [default: detected].")
def compile_command(lexicon, output, fmt):
    """Compile LEXICON into a tokenizer model file that loads in a fraction of a second."""
    output_check(output, lexicon)
    tokenizer = Tokenizer(Lexicon.load(lexicon, format=fmt))
    tokenizer.save(output)
    log.info("wrote %s (%d words)", output, len(tokenizer))


@main.command("export")
@quiet_flag
@click.argument("lexicon")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="hf", show_default=True,
              help="hf: a Hugging Face tokenizers tokenizer.json; sentencepiece: a sentencepiece .model.")
@click.option("-o", "--output", required=True, metavar="FILE", help="File to write.")
def export_command(lexicon, fmt, output):
    """Write LEXICON (a lexicon or compiled model) as a Unigram tokenizer for
    transformers that segments like `nlpzero tokenize`.

    \b
    Load the results with:
      tokenizers.Tokenizer.from_file("tokenizer.json")
      transformers.PreTrainedTokenizerFast(tokenizer_file="tokenizer.json")
      sentencepiece.SentencePieceProcessor(model_file="words.model")

    What each format can and cannot reproduce is in docs/export.md.

    \b
    Examples:
      nlpzero export words.tsv -o tokenizer.json
      nlpzero export words.tsv --format sentencepiece -o words.model
    """
    output_check(output, lexicon)
    pieces = export_tokenizer(Tokenizer.load(lexicon), output, format=fmt)
    log.info("wrote %s (%s, %d pieces)", output, fmt, pieces)


# ---------------------------------------------------------------- report

@main.command("report")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", required=True, metavar="HTML", help="The report to write (one self-contained file).")
@click.option("-l", "--lexicon", metavar="LEXICON", help="Lexicon or tokenizer model  [default: discover one].")
@click.option("-v", "--vectors", metavar="VECTORS", help="Word vectors: a 2-D map and the new words' neighbours.")
@click.option("-t", "--templates", metavar="TEMPLATES", help="Templates: the top ones and a parse tree.")
@click.option("--base", metavar="DICT", help="What is not new  [default: jieba's bundled dictionary].")
@click.option("-k", "--top", type=click.IntRange(1), default=REPORT_TOP, show_default=True, help="Rows per word table.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds the sampled lines.")
@jobs_option("discover")
@corpus_options
def report_command(corpus, output, lexicon, vectors, templates, base, top, seed, jobs, threads, encoding, quiet):
    """Write a self-contained HTML report on CORPUS and its words: corpus
    summary, top and new words with examples in context, charts,
    segmentation samples, and with -v/-t a map of the vectors and the
    templates.  Without -l it discovers the lexicon first.  Opens offline;
    needs the `report` extra (pip install 'nlpzero-kit[report]').

    \b
    Examples:
      nlpzero report corpora/hongloumeng.txt -o hlm.html
      nlpzero report news/ -l news.tsv -v news.vec -t news.tpl -o news.html
    """
    log.info(run_report(corpus, output, lexicon=lexicon, vectors=vectors, templates=templates, base=base, top=top,
                        seed=seed, jobs=_jobs(jobs, threads), encoding=encoding, progress=progress_for(quiet)))


# ---------------------------------------------------------------- evaluation

@main.group("eval")
def eval_group():
    """Score against gold data: a segmentation, or word vectors."""


@eval_group.command("segmentation")
@quiet_flag
@click.argument("gold")
@click.argument("predicted")
@click.option("--training-words", metavar="FILE", help="The training vocabulary (one word per line), for OOV recall.")
def eval_segmentation_command(gold, predicted, training_words):
    """SIGHAN word precision, recall and F1 of PREDICTED against GOLD.

    Both hold one sentence per line, words separated by spaces (what
    `nlpzero tokenize` writes).  Words are compared as exact character spans;
    lines whose characters differ from the gold line are reported and not
    scored.

    \b
    Example:
      nlpzero tokenize -l words.tsv test.txt -o test.tok
      nlpzero eval segmentation test_gold.txt test.tok --training-words train_words.txt
    """
    from .evaluation import read_lines, read_word_list, score_segmentation
    known = read_word_list(training_words) if training_words else None
    result = score_segmentation(read_lines(gold), read_lines(predicted), known)
    if not result.lines:
        raise InputError(f"{predicted}: no line could be scored against {gold}")
    click.echo(result.summary())


@eval_group.command("vectors")
@quiet_flag
@click.argument("vectors_path", metavar="[VECTORS]", required=False)
@click.option("-v", "--vectors", "vectors_option", metavar="VECTORS",
              help="The vectors file, as the query commands take it (or give it as the argument).")
@click.option("--analogy", "analogies", multiple=True, metavar="FILE",
              help="An analogy set (questions-words format); repeat for several.")
@click.option("--similarity", "similarities", multiple=True, metavar="FILE",
              help="A word-similarity set (w1 w2 score lines); repeat for several.")
@click.option("--restrict", type=click.IntRange(0), default=30000, show_default=True,
              help="Answer analogies among this many most frequent words (0: all).")
def eval_vectors_command(vectors_path, vectors_option, analogies, similarities, restrict):
    """Analogy accuracy (3CosAdd and 3CosMul) and similarity correlation
    (Spearman) of VECTORS, each with its coverage.

    \b
    Example:
      nlpzero eval vectors -v news.vec --analogy questions-words.txt --similarity wordsim353.tsv
    """
    from .evaluation import evaluate_analogy, evaluate_similarity
    from .vectors import WordVectors
    if bool(vectors_path) == bool(vectors_option):
        raise click.UsageError("give the vectors file once: -v VECTORS (or as the argument)")
    vectors_path = vectors_path or vectors_option
    if not analogies and not similarities:
        raise click.UsageError("give at least one --analogy or --similarity set")
    wv = WordVectors.load(vectors_path)
    click.echo(f"{vectors_path}: {len(wv):,} words, dimension {wv.vectors.shape[1]}")
    for path in analogies:
        for method in ("add", "mul"):
            click.echo(evaluate_analogy(wv, path, restrict, method).summary())
    for path in similarities:
        click.echo(evaluate_similarity(wv, path).summary())


if __name__ == "__main__":  # pragma: no cover
    main()
