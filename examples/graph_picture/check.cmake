# Run by CTest (cmake -P): graph_picture writes the DOT of SelfAttention(16, 8) on x [2, 5, 16]
# and its loss; the file must hold the layer's steps with their shapes and every named parameter,
# and the program must print the weights and the gradient its hook saw.
# Inputs: -DEXE=<graph_picture binary> -DOUT=<the DOT file to write>
file(REMOVE ${OUT})
execute_process(COMMAND ${EXE} --no-render --out ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${OUT})
  message(FATAL_ERROR "graph_picture failed (exit ${rc}):\n${out}${err}")
endif()
file(READ ${OUT} dot)
foreach(want "attention weights [2, 5, 5]" "gradient reaching the attention weights: [2, 5, 5]"
             "after backward, Wq.weight.grad [8, 16]")
  string(FIND "${out}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "graph_picture's output lacks '${want}':\n${out}")
  endif()
endforeach()

# label text -> how many nodes must carry it
set(expect
    "linear\\\\n[2, 5, 8] float32=4"     # Wq, Wk, Wv and fc
    "permute\\\\n[2, 8, 5] float32=1"    # k^T, a view
    "matmul\\\\n[2, 5, 5] float32=1"     # scores = q k^T
    "softmax\\\\n[2, 5, 5] float32=1"    # weights
    "matmul\\\\n[2, 5, 8] float32=1"     # context = weights v
    "constant\\\\n[2, 5, 16] float32=3") # x, read by each of Wq, Wk, Wv
foreach(name Wq Wk Wv fc)
  list(APPEND expect "${name}.weight\\\\n=1" "${name}.bias\\\\n=1")
endforeach()
foreach(e IN LISTS expect)
  string(REGEX MATCH "^(.*)=([0-9]+)$" _ "${e}")
  set(label "${CMAKE_MATCH_1}")
  set(want ${CMAKE_MATCH_2})
  string(REPLACE "[" "\\[" pattern "label=\"${label}")
  string(REPLACE "]" "\\]" pattern "${pattern}")
  string(REPLACE "." "\\." pattern "${pattern}")
  string(REGEX MATCHALL "${pattern}" found "${dot}")
  list(LENGTH found n)
  if(NOT n EQUAL want)
    message(FATAL_ERROR "graph_picture: expected ${want} node(s) labelled '${label}', found ${n}; the DOT:\n${dot}")
  endif()
endforeach()
string(REGEX MATCHALL " -> " edges "${dot}")
list(LENGTH edges n_edges)
message(STATUS "graph_picture's DOT has the expected nodes and ${n_edges} edges")
