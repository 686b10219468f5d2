# e2m eval --quick end to end: tiny models trained here on a few clips of the shared data, then the
# report (markdown, PNGs, JSON) checked. Skips when the shared data is absent (cmake -P script).
if(NOT EXISTS "${DATA}/tang-dance/DANCE_C_8" OR NOT EXISTS "${DATA}/bandai/dataset-1/cfg")
  message("SKIPPED: the shared data (${DATA}) is absent")
  return()
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/tang" "${WORK}/bandai/dataset-1")

function(run)
  execute_process(COMMAND ${E2M} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "e2m ${ARGN}: exit ${rc}\n${out}\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
endfunction()

# A validation song (C_8) and three short training songs; Bandai clips of both splits (bow_giant,
# bye_happy and byebye_normal are validation clips).
foreach(clip DANCE_C_8 DANCE_W_22 DANCE_W_23 DANCE_W_24)
  file(CREATE_LINK "${DATA}/tang-dance/${clip}" "${WORK}/tang/${clip}" SYMBOLIC)
endforeach()
file(CREATE_LINK "${DATA}/bandai/dataset-1/cfg" "${WORK}/bandai/dataset-1/cfg" SYMBOLIC)
foreach(take bow_active bow_angry bow_normal bow_giant bye_active bye_normal bye_happy byebye_active
             byebye_angry byebye_normal)
  file(CREATE_LINK "${DATA}/bandai/dataset-1/dataset-1_${take}_001.bvh"
       "${WORK}/bandai/dataset-1/dataset-1_${take}_001.bvh" SYMBOLIC)
endforeach()

run(import tang "${WORK}/tang" -o "${WORK}/tang.e2md")
run(import bandai "${WORK}/bandai" -o "${WORK}/bandai.e2md")
set(train_flags --tiny --steps 2 --batch 4 --threads 2 --no-progress)
run(train text2motion --data "${WORK}/bandai.e2md" --out "${WORK}/t2m.e2mm" ${train_flags})
run(train music2dance --data "${WORK}/tang.e2md" --out "${WORK}/m2d.e2mm" ${train_flags})
run(eval --quick --data "${WORK}/tang.e2md,${WORK}/bandai.e2md" --music-model "${WORK}/m2d.e2mm"
    --text-model "${WORK}/t2m.e2mm" --out "${WORK}/report" --json --no-progress)

foreach(f report.md report.json bas_offsets.png music_scores.png dance.png text_scores.png text_cues.png
          text_sample.png judges/eval_genre_classifier.e2mj judges/eval_text_evaluator.e2mj)
  if(NOT EXISTS "${WORK}/report/${f}")
    message(FATAL_ERROR "e2m eval --quick did not write ${f}")
  endif()
endforeach()
string(JSON music_rows LENGTH "${OUT}" music rows)
string(JSON text_rows LENGTH "${OUT}" text rows)
string(JSON cues LENGTH "${OUT}" text cues)
string(JSON bas GET "${OUT}" music rows 0 bas)
string(JSON r3 GET "${OUT}" text rows 0 r_precision 2)
if(NOT music_rows EQUAL 5 OR NOT text_rows EQUAL 2 OR NOT cues EQUAL 12 OR bas LESS 0 OR r3 LESS 0)
  message(FATAL_ERROR "e2m eval --json: ${music_rows} music rows, ${text_rows} text rows, ${cues} cues\n${OUT}")
endif()
file(READ "${WORK}/report/report.md" md)
foreach(section "Beat Align Score" "FID_k" "real validation dances" "model, music zeroed" "Cue check"
                "R-precision")
  string(FIND "${md}" "${section}" at)
  if(at LESS 0)
    message(FATAL_ERROR "report.md has no '${section}'")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
