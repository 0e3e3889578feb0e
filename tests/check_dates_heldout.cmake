# README figure (CTest label "figure", run by hand): does the dates task hold up outside its own
# generator? Trains
# `translate train --task dates` with its defaults (--threads 2 only), then scores the model on
# tests/reference/dates_heldout.tsv, 1,000 dates in forms written apart from data/dates.cpp (by
# tests/reference/dates_heldout.py), and requires exact_match >= 0.995. Prints the test split's
# record, the held-out record and the first wrong translations.
# Run: ctest --test-dir <build> -L figure -R dates_heldout
# Inputs: -DTRANSLATE=<translate binary> -DOUT=<scratch folder> -DHELDOUT=<the .tsv>
cmake_minimum_required(VERSION 3.25)
set(required 0.995)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})  # --save needs its folder to exist before training starts

execute_process(COMMAND ${TRANSLATE} train --task dates --threads 2 --save ${OUT}/dates.safetensors
                RESULT_VARIABLE rc OUTPUT_VARIABLE record ERROR_VARIABLE log)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "translate train --task dates failed with ${rc}:\n${log}")
endif()
string(STRIP "${record}" record)
message(STATUS "test split (train's record): ${record}")

execute_process(COMMAND ${TRANSLATE} eval --load ${OUT}/dates.safetensors --test ${HELDOUT} --threads 2
                        --show-errors 20
                RESULT_VARIABLE rc OUTPUT_VARIABLE record ERROR_VARIABLE errors)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "translate eval on ${HELDOUT} failed with ${rc}:\n${errors}")
endif()
string(STRIP "${record}" record)
message(STATUS "held-out: ${record}")
if(errors)
  message(STATUS "first wrong translations:\n${errors}")
endif()
if(NOT record MATCHES "exact_match=([0-9.]+)")
  message(FATAL_ERROR "no exact_match= in translate eval's record: '${record}'")
endif()
set(exact ${CMAKE_MATCH_1})
if(NOT record MATCHES "examples=1000( |$)")
  message(FATAL_ERROR "the held-out set should have 1000 examples: '${record}'")
endif()
# if(LESS) compares the two as real numbers.
if(exact LESS required)
  message(FATAL_ERROR "dates on the held-out forms: exact_match=${exact}, below ${required}")
endif()
message(STATUS "dates on the held-out forms: exact_match=${exact} >= ${required}")
