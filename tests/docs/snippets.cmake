# Pulls every C++ snippet out of README.md and docs/*.md so the build compiles it (tests/docs/
# CMakeLists.txt) and docs_snippets runs it (check_snippets.cmake): a page a reader pastes from
# cannot drift from the API. focus_extract_snippets(<source root> <out dir>) writes <out dir>/<name>.cpp,
# <name>.out (the output the page shows, if any) and manifest.cmake (what to build and run).
#
# The convention a page follows (also in docs/extending.md, "Code on these pages"):
# - Every fenced block names its language. ```cpp (or c++) is C++; ```text, ```sh, ```cmake and
#   the rest are skipped. A fence without a language is an error, so no C++ slips past unchecked.
# - A ```cpp block is a whole translation unit: it has its own #includes and compiles as it is;
#   with an `int main(` it is linked against focus and run, and must exit 0.
# - The line `<!-- snippet: fragment -->` right before a ```cpp fence marks statements that are not
#   standalone. They are compiled (and run) as the body of main(), after #include <focus/focus.h>,
#   the headers of data/, text/, metrics/ and plot/ (which focus.h leaves out), <cmath>, <cstdint>,
#   <iostream>, <memory>, <string>, <vector> and `using namespace focus;`.
# - `<!-- snippet: fragment with examples/<name> -->` also includes that folder's headers and links
#   its .cpp files except main.cpp (a fragment that uses the example's op or layer).
# - `<!-- snippet: output -->` right before a ```text fence: what the page's previous C++ block
#   prints, exactly. A snippet that prints must show its output this way.

# Lines are handled as a CMake list, so the characters that lists treat specially (; \ [ ]) are
# swapped for control characters while the page is split, and swapped back when a file is written.
function(_focus_snippet_restore out text)
  string(ASCII 28 semi)
  string(ASCII 29 backslash)
  string(ASCII 30 open)
  string(ASCII 31 close)
  string(REPLACE "${semi}" ";" text "${text}")
  string(REPLACE "${backslash}" "\\" text "${text}")
  string(REPLACE "${open}" "[" text "${text}")
  string(REPLACE "${close}" "]" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Writes only when the content changed, so an untouched snippet is not recompiled.
function(_focus_snippet_write path content)
  if(EXISTS ${path})
    file(READ ${path} old)
    if(old STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE ${path} "${content}")
endfunction()

function(focus_extract_snippets source_dir out_dir)
  string(ASCII 28 semi)
  string(ASCII 29 backslash)
  string(ASCII 30 open)
  string(ASCII 31 close)
  file(GLOB pages RELATIVE ${source_dir} ${source_dir}/docs/*.md)
  list(SORT pages)
  set(pages README.md ${pages})

  # The prelude of a fragment: the umbrella header, then the folders it leaves out.
  set(prelude "#include <focus/focus.h>\n")
  foreach(dir data text metrics plot)
    file(GLOB headers RELATIVE ${source_dir} ${source_dir}/${dir}/*.h)
    list(SORT headers)
    foreach(h IN LISTS headers)
      string(APPEND prelude "#include <focus/${h}>\n")
    endforeach()
  endforeach()
  string(APPEND prelude "\n#include <cmath>\n#include <cstdint>\n#include <iostream>\n#include <memory>\n"
                        "#include <string>\n#include <vector>\n")

  file(MAKE_DIRECTORY ${out_dir})
  set(manifest "# Written by tests/docs/snippets.cmake from README.md and docs/*.md; do not edit.\n")
  set(names)
  set(page_paths)
  foreach(page IN LISTS pages)
    list(APPEND page_paths ${source_dir}/${page})
    get_filename_component(stem ${page} NAME_WE)
    string(TOLOWER "${stem}" stem)
    file(READ ${source_dir}/${page} page_text)
    string(REPLACE "\\" "${backslash}" page_text "${page_text}")
    string(REPLACE ";" "${semi}" page_text "${page_text}")
    string(REPLACE "[" "${open}" page_text "${page_text}")
    string(REPLACE "]" "${close}" page_text "${page_text}")
    string(REPLACE "\n" ";" lines "${page_text}")

    set(number 0)
    set(count 0)
    set(in_block FALSE)
    set(previous "")
    set(last "")  # the page's latest C++ snippet, which an output block belongs to
    foreach(l IN LISTS lines)
      math(EXPR number "${number} + 1")
      if(NOT in_block)
        if(l MATCHES "^( *)```+ *([^ `]*)")
          set(in_block TRUE)
          set(indent "${CMAKE_MATCH_1}")
          string(TOLOWER "${CMAKE_MATCH_2}" lang)
          set(start ${number})
          set(body "")
          set(marker "")
          if(previous MATCHES "^ *<!-- snippet: (.*) -->$")
            set(marker "${CMAKE_MATCH_1}")
          endif()
          if(lang STREQUAL "")
            message(FATAL_ERROR "${page}:${number}: a fenced block without a language; write ```text for output "
                                "and pictures, ```cpp for C++ (tests/docs/snippets.cmake)")
          endif()
        elseif(l MATCHES "^ *<!-- snippet:" AND NOT l MATCHES "^ *<!-- snippet: (fragment|fragment with [a-z_/]+|output) -->$")
          message(FATAL_ERROR "${page}:${number}: unknown snippet marker; known: <!-- snippet: fragment -->, "
                              "<!-- snippet: fragment with examples/<name> -->, <!-- snippet: output -->; got ${l}")
        endif()
      elseif(l MATCHES "^ *```+ *$")
        set(in_block FALSE)
        _focus_snippet_restore(body "${body}")
        if(lang STREQUAL "cpp" OR lang STREQUAL "c++")
          math(EXPR count "${count} + 1")
          set(name ${stem}_${count})
          set(with "")
          set(kind object)
          set(header "// ${page}:${start}, extracted by tests/docs/snippets.cmake: edit the page, not this file.\n")
          math(EXPR first "${start} + 1")
          if(marker MATCHES "^fragment")
            set(kind program)
            set(code "${header}${prelude}")
            if(marker MATCHES "^fragment with (.+)$")
              set(with "${CMAKE_MATCH_1}")
              if(NOT IS_DIRECTORY ${source_dir}/${with})
                message(FATAL_ERROR "${page}:${start}: the snippet marker names ${with}, which is not a folder")
              endif()
              file(GLOB with_headers RELATIVE ${source_dir}/${with} ${source_dir}/${with}/*.h)
              list(SORT with_headers)
              string(APPEND code "\n")
              foreach(h IN LISTS with_headers)
                string(APPEND code "#include \"${h}\"\n")
              endforeach()
            endif()
            string(APPEND code "\nusing namespace focus;\n\nint main() {\n#line ${first} \"${source_dir}/${page}\"\n"
                              "${body}}\n")
          elseif(marker STREQUAL "")
            if(body MATCHES "int main\\(")
              set(kind program)
            endif()
            set(code "${header}#line ${first} \"${source_dir}/${page}\"\n${body}")
          else()
            message(FATAL_ERROR "${page}:${start}: <!-- snippet: ${marker} --> cannot mark a C++ block")
          endif()
          _focus_snippet_write(${out_dir}/${name}.cpp "${code}")
          list(APPEND names ${name})
          string(APPEND manifest "set(DOC_SNIPPET_${name}_WHERE \"${page}:${start}\")\n"
                                 "set(DOC_SNIPPET_${name}_KIND ${kind})\n"
                                 "set(DOC_SNIPPET_${name}_WITH \"${with}\")\n")
          set(last ${name})
          set(last_kind ${kind})
        elseif(marker STREQUAL "output")
          if(NOT lang STREQUAL "text")
            message(FATAL_ERROR "${page}:${start}: <!-- snippet: output --> marks a ```text block; got ```${lang}")
          endif()
          if(last STREQUAL "" OR NOT last_kind STREQUAL "program")
            message(FATAL_ERROR "${page}:${start}: an output block must follow a C++ snippet that runs "
                                "(a program with main, or a fragment)")
          endif()
          _focus_snippet_write(${out_dir}/${last}.out "${body}")
          string(APPEND manifest "set(DOC_SNIPPET_${last}_OUTPUT ${last}.out)\n")
          set(last "")
        elseif(NOT marker STREQUAL "")
          message(FATAL_ERROR "${page}:${start}: <!-- snippet: ${marker} --> stands before a ```${lang} block")
        endif()
      else()
        # Fences inside list items are indented; the block's text is not.
        if(NOT indent STREQUAL "" AND l MATCHES "^${indent}(.*)$")
          set(l "${CMAKE_MATCH_1}")
        endif()
        string(APPEND body "${l}\n")
      endif()
      set(previous "${l}")
    endforeach()
    if(in_block)
      message(FATAL_ERROR "${page}:${start}: the fenced block is never closed")
    endif()
  endforeach()
  string(APPEND manifest "set(DOC_SNIPPETS ${names})\nset(DOC_SNIPPET_PAGES ${page_paths})\n")
  _focus_snippet_write(${out_dir}/manifest.cmake "${manifest}")
endfunction()
