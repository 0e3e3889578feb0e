# Bad input at the command line: flags with bad values, unknown flags, missing and damaged
# checkpoint and data files. Each run must exit with the documented status (2 usage, 1 bad data
# or checkpoint), print exactly one line on stderr matching the expected text, and never crash;
# and a failed run must leave an existing checkpoint byte for byte as it was.
# Run: ctest --test-dir build -R translate_bad_input   (-DTRANSLATE=... -DOUT=... -DSOURCE_DIR=...)
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
# A tiny copy task in files, so that training and evaluating the small model take no time.
set(words red green blue cat dog sun moon tree)
set(train_lines "")
foreach(a IN LISTS words)
  foreach(b IN LISTS words)
    string(APPEND train_lines "${a} ${b}\t${a} ${b}\n")
  endforeach()
endforeach()
file(WRITE ${OUT}/train.tsv "${train_lines}")
file(WRITE ${OUT}/test.tsv "red cat\tred cat\nblue sun\tblue sun\n")
set(small --train ${OUT}/train.tsv --test ${OUT}/test.tsv --d-model 16 --heads 2 --ff 32 --layers 1 --threads 1)
set(essential FALSE)

# expect(<status> <stderr regex> <args...>)
function(expect status regex)
  # Each translate start costs MPI start-up when built with MPI: the default suite (QUICK) runs
  # the cases marked essential, the long-labelled test all of them.
  if(QUICK AND NOT essential)
    return()
  endif()
  execute_process(COMMAND ${TRANSLATE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY ${OUT})
  # Training reports progress on stderr first; the error is the last line, and the only one
  # that starts with "translate:".
  string(REGEX REPLACE "\n$" "" trimmed "${err}")
  string(REGEX REPLACE "^.*\n" "" line "${trimmed}")
  string(REGEX MATCHALL "(^|\n)translate:" prefixed "${err}")
  list(LENGTH prefixed error_lines)
  set(problem "")
  if(NOT "${rc}" STREQUAL "${status}")
    set(problem "exit status ${rc}, expected ${status}")
  elseif(error_lines GREATER 1)
    set(problem "more than one error line on stderr")
  elseif(NOT line MATCHES "${regex}")
    set(problem "stderr does not match '${regex}'")
  endif()
  if(problem)
    message(SEND_ERROR "translate ${ARGN}: ${problem}\n  stderr: ${err}")
  else()
    message(STATUS "ok (${rc}): ${line}")
  endif()
endfunction()

# ---- flags -----------------------------------------------------------------------------------------
set(essential TRUE)
expect(2 "^translate: --steps must be in \\[0, [0-9]+\\]; got -1$" train ${small} --steps=-1)
expect(2 "^translate: --lr takes a number; got 'abc'$" train ${small} --lr=abc)
expect(2 "^translate: --lr takes a number; got 'nan'$" train ${small} --lr nan)
expect(2 "^translate: --batch must be in \\[1, 65536\\]; got 0$" train ${small} --batch=0)
expect(2 "^translate: unknown flag --bogus \\(see --help\\)$" train ${small} --bogus 3)
expect(2 "^translate: --precision must be float32 or bf16; got 'fp8'$" train ${small} --precision fp8)
# bf16 products need the oneDNN build (-DFOCUS_WITH_DNNL=ON, passed here as DNNL).
if(NOT DNNL)
  expect(2 "^translate: --precision bf16: focus was built without oneDNN" train ${small} --precision bf16)
endif()
set(essential FALSE)
expect(2 "^translate: --steps takes a whole number; got '99999999999999999999'$" train ${small} --steps 99999999999999999999)
expect(2 "^translate: --steps takes a whole number; got '1.5'$" train ${small} --steps 1.5)
expect(2 "^translate: --lr must be positive$" train ${small} --lr 0)
expect(2 "^translate: --dropout must be in \\[0, 1\\)$" train ${small} --dropout 1)
expect(2 "^translate: --d-model must be a multiple of --heads$" train ${small} --heads 3)
expect(2 "^translate: --threads must be in \\[0, 1024\\]; got 5000$" train ${small} --threads 5000)
expect(2 "^translate: --save needs a value$" train ${small} --save)
expect(2 "folder .*no/such/folder does not exist$" train ${small} --save ${OUT}/no/such/folder/m.safetensors)
expect(2 "^translate: --stop-at needs --save PATH$" train ${small} --stop-at 3)
expect(2 "^translate: train needs --task NAME or --train FILE --test FILE$" train)
expect(2 "^translate: unknown command 'fly'" fly)
expect(1 "^translate: make_task: unknown task; got 'nonsense'" train --task nonsense)
expect(2 "^translate: eval needs --load PATH$" eval --task copy)
# The Transformer block's flags (issue 17): an unknown name, a bad window or rank, rope with an odd head dim.
expect(2 "^translate: --positions spiral: unknown \\(known: none, sinusoidal, learned, relative, sinusoidal2d, rope, alibi, xl\\)$" train ${small} --positions spiral)
expect(2 "^translate: --attention local:0: expected full, local:W or linformer:K with W, K >= 1$" train ${small} --attention local:0)
expect(2 "^translate: --attention linformer:-2: expected full" train ${small} --attention linformer:-2)
expect(2 "^translate: --norm batch: unknown \\(known: layer, rms\\)$" train ${small} --norm batch)
expect(2 "^translate: rope: the head dim \\(d_model / nhead\\) must be even; got d_model=12, nhead=4, head dim=3$"
       train ${small} --positions rope --d-model 12 --heads 4)
expect(2 "^translate: make_task: --length-cutoff applies to scan-length only; got task 'copy'$" train --task copy --length-cutoff 26)
expect(2 "^translate: make_scan: length cutoff must leave both splits non-empty" train --task scan-length --length-cutoff 60)

# ---- data files --------------------------------------------------------------------------------------
expect(1 "^translate: .*missing.tsv" train --train ${OUT}/missing.tsv --test ${OUT}/missing.tsv)
file(WRITE ${OUT}/empty.tsv "")
expect(1 "^translate: .*" train --train ${OUT}/empty.tsv --test ${OUT}/empty.tsv)
file(WRITE ${OUT}/notabs.tsv "no tab on this line\n")
expect(1 "^translate: .*notabs.tsv" train --train ${OUT}/notabs.tsv --test ${OUT}/notabs.tsv)

# ---- checkpoints ---------------------------------------------------------------------------------------
execute_process(COMMAND ${TRANSLATE} train ${small} --steps 3 --save ${OUT}/good.safetensors
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not train the small model (exit ${rc})")
endif()
set(essential TRUE)
expect(0 "" eval --load ${OUT}/good.safetensors --test ${OUT}/test.tsv --threads 1)
set(essential FALSE)
expect(1 "^translate: load_safetensors: .*missing.safetensors" eval --load ${OUT}/missing.safetensors --task copy)
# Truncated inside the length field, at its end, inside the header, inside the tensor data.
set(essential TRUE)
foreach(keep_bytes 0 7 8 100 1000)
  file(COPY_FILE ${OUT}/good.safetensors ${OUT}/truncated.safetensors)
  execute_process(COMMAND truncate -s ${keep_bytes} ${OUT}/truncated.safetensors)
  expect(1 "^translate: load_safetensors: " eval --load ${OUT}/truncated.safetensors --task copy)
endforeach()
# One byte short of the whole file: the last tensor's data is incomplete.
file(SIZE ${OUT}/good.safetensors size)
math(EXPR short "${size} - 1")
file(COPY_FILE ${OUT}/good.safetensors ${OUT}/short.safetensors)
execute_process(COMMAND truncate -s ${short} ${OUT}/short.safetensors)
expect(1 "^translate: load_safetensors: " eval --load ${OUT}/short.safetensors --task copy)
# Garbled: the header's first bytes replaced by text.
file(WRITE ${OUT}/garbled.safetensors "this is not a checkpoint at all, just some text that is long enough")
expect(1 "^translate: load_safetensors: " eval --load ${OUT}/garbled.safetensors --task copy)
set(essential FALSE)
# A valid safetensors file that is not a translate checkpoint (written by PyTorch).
expect(1 "^translate: checkpoint: missing model setting 'model.src_vocab'" eval --load ${SOURCE_DIR}/tests/data/torch_written.safetensors --task copy)
expect(1 "^translate: load_safetensors: " train ${small} --resume ${OUT}/garbled.safetensors)
# --resume: model flags given again must agree with the checkpoint (good.safetensors: --d-model 16, --heads 2).
set(essential TRUE)
set(data_only --train ${OUT}/train.tsv --test ${OUT}/test.tsv --threads 1 --steps 4)
expect(2 "^translate: --d-model 32 contradicts the checkpoint ${OUT}/good.safetensors, trained with --d-model 16$"
       train ${data_only} --resume ${OUT}/good.safetensors --d-model 32 --heads 2)
expect(2 "^translate: --heads 4 contradicts the checkpoint ${OUT}/good.safetensors, trained with --heads 2$"
       train ${data_only} --resume ${OUT}/good.safetensors --heads 4)
expect(0 "" train ${data_only} --resume ${OUT}/good.safetensors --d-model 16 --heads 2 --ff 32 --layers 1)
expect(2 "^translate: --norm rms contradicts the checkpoint ${OUT}/good.safetensors, trained with --norm layer$"
       train ${data_only} --resume ${OUT}/good.safetensors --norm rms)
# The block's settings travel in the checkpoint: eval rebuilds an RMSNorm, post-norm, rotary,
# local model from the file alone (with LayerNorm's defaults its tensors would not load).
execute_process(COMMAND ${TRANSLATE} train ${small} --steps 2 --positions rope --attention local:4 --norm rms --norm-first 0
                        --save ${OUT}/rope.safetensors RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not train the rope model (exit ${rc})")
endif()
expect(0 "" eval --load ${OUT}/rope.safetensors --test ${OUT}/test.tsv --threads 1)
expect(0 "" train ${data_only} --resume ${OUT}/rope.safetensors --positions rope)
# A Universal Transformer (--share-layers 1: one layer's weights per stack, applied --layers
# times) is rebuilt from the file alone (with separate layers its tensors would be missing), and
# --resume refuses a contradicting --share-layers.
execute_process(COMMAND ${TRANSLATE} train ${small} --steps 2 --layers 2 --share-layers 1 --positions xl
                        --save ${OUT}/shared.safetensors RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not train the shared-layers model (exit ${rc})")
endif()
expect(0 "" eval --load ${OUT}/shared.safetensors --test ${OUT}/test.tsv --threads 1)
expect(2 "^translate: --share-layers 0 contradicts the checkpoint ${OUT}/shared.safetensors, trained with --share-layers 1$"
       train ${data_only} --resume ${OUT}/shared.safetensors --share-layers 0)
expect(1 "^translate: export: torch.nn.Transformer gives each layer its own weights; got share_layers=1$"
       export --load ${OUT}/shared.safetensors --to torch ${OUT}/shared.torch.st)
execute_process(COMMAND sed -i "s/\"model.share_layers\":\"1\"/\"model.share_layers\":\"0\"/" ${OUT}/shared.safetensors)
expect(1 "^translate: checkpoint ${OUT}/shared.safetensors: its tensors do not fit its model settings \\(model.positions=xl, model.attention=full, model.norm=layer, model.share_layers=0\\): "
       eval --load ${OUT}/shared.safetensors --test ${OUT}/test.tsv --threads 1)
expect(2 "^translate: --share-layers must be in \\[0, 1\\]; got 2$" train ${small} --share-layers 2)
# To PyTorch's names and back (torch_layout.h; the logits are checked by the interop label):
# export, import and eval the import; the rope + RMSNorm model and a translate checkpoint given as
# a PyTorch file are refused in one line, writing nothing.
expect(0 "" export --load ${OUT}/good.safetensors --to torch ${OUT}/good.torch.st)
expect(0 "" import --from-torch ${OUT}/good.torch.st --save ${OUT}/imported.safetensors)
expect(0 "" eval --load ${OUT}/imported.safetensors --test ${OUT}/test.tsv --threads 1)
expect(2 "^translate: export needs --to torch; got 'onnx'$" export --load ${OUT}/good.safetensors --to onnx ${OUT}/x.st)
expect(1 "^translate: export: torch.nn.Transformer normalises with LayerNorm only; got norm=rms$"
       export --load ${OUT}/rope.safetensors --to torch ${OUT}/rope.torch.st)
expect(1 "^translate: ${OUT}/good.safetensors: tensor 'src_emb.weight' is missing$"
       import --from-torch ${OUT}/good.safetensors --save ${OUT}/not_imported.safetensors)
foreach(unwritten rope.torch.st not_imported.safetensors shared.torch.st)
  if(EXISTS ${OUT}/${unwritten})
    message(SEND_ERROR "a refused export or import wrote ${OUT}/${unwritten}")
  endif()
endforeach()
# Block settings that disagree with the tensors (linformer's E [8, max_len] read as rank 9): exit 1.
execute_process(COMMAND ${TRANSLATE} train ${small} --steps 2 --attention linformer:8 --save ${OUT}/linformer.safetensors
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not train the linformer model (exit ${rc})")
endif()
execute_process(COMMAND sed -i "s/\"model.attention\":\"linformer:8\"/\"model.attention\":\"linformer:9\"/" ${OUT}/linformer.safetensors)
expect(1 "^translate: checkpoint ${OUT}/linformer.safetensors: its tensors do not fit its model settings \\(model.positions=sinusoidal, model.attention=linformer:9, model.norm=layer, model.share_layers=0\\): load_state_dict: shape of"
       eval --load ${OUT}/linformer.safetensors --test ${OUT}/test.tsv --threads 1)
# A training state from another task or another program, a report folder that cannot be made:
# one line, exit 1, before any training.
expect(1 "^translate: checkpoint ${OUT}/good.safetensors: trained on task '${OUT}/train.tsv', not 'copy'$"
       train --task copy --steps 4 --threads 1 --resume ${OUT}/good.safetensors)
if(CHAR_LM)
  execute_process(COMMAND ${CHAR_LM} --steps 2 --context 8 --d-model 8 --heads 1 --layers 1 --batch 2 --sample 0 --threads 1
                          --save ${OUT}/char_lm.safetensors RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  # char_lm exits 1 when its loss did not fall, which two steps need not do: the file is what counts.
  if(NOT EXISTS ${OUT}/char_lm.safetensors)
    message(FATAL_ERROR "could not train a char_lm checkpoint (exit ${rc})")
  endif()
  expect(1 "^translate: checkpoint ${OUT}/char_lm.safetensors: written by char_lm, not translate$"
         train ${small} --resume ${OUT}/char_lm.safetensors)
  expect(1 "^translate: checkpoint ${OUT}/char_lm.safetensors: written by char_lm, not translate$"
         eval --load ${OUT}/char_lm.safetensors --test ${OUT}/test.tsv)
endif()
expect(1 "^translate: report: cannot write ${OUT}/train.tsv/report; got .*" train ${small} --steps 2 --report ${OUT}/train.tsv/report)
set(essential FALSE)
expect(1 "^translate: .*unknown token" run --load ${OUT}/good.safetensors "☃")

# ---- a failed run leaves the existing checkpoint as it was ----------------------------------------------
file(COPY_FILE ${OUT}/good.safetensors ${OUT}/keep.safetensors)
file(SHA256 ${OUT}/keep.safetensors before)
set(essential TRUE)
expect(2 "" train ${small} --steps=-1 --save ${OUT}/keep.safetensors)
expect(1 "" train ${small} --resume ${OUT}/garbled.safetensors --save ${OUT}/keep.safetensors)
expect(1 "" train --train ${OUT}/notabs.tsv --test ${OUT}/notabs.tsv --save ${OUT}/keep.safetensors)
# Training that blows up (a learning rate of 1e30) stops on the non-finite loss before any save.
expect(1 "^translate: the training loss is NaN at step [0-9]+; lower --lr or raise --warmup; no checkpoint was written$"
       train ${small} --steps 50 --warmup 0 --lr 1e30 --clip 0 --save ${OUT}/keep.safetensors)
file(SHA256 ${OUT}/keep.safetensors after)
set(essential FALSE)
if(NOT before STREQUAL after)
  message(SEND_ERROR "a failed run changed keep.safetensors")
endif()
file(GLOB leftovers ${OUT}/keep.safetensors.tmp.*)
if(leftovers)
  message(SEND_ERROR "a failed run left temporary files: ${leftovers}")
endif()
