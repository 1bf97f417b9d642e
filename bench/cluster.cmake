# akt-cluster-sim-bench: cluster membership in the simulation
# (bench/cluster_sim_bench.c over tests/cluster/sim.c): convergence time
# vs cluster size, gossip bytes per round, CPU per node. JSON lines;
# --smoke for one small size.
add_executable(akt-cluster-sim-bench ${CMAKE_CURRENT_LIST_DIR}/cluster_sim_bench.c
  ${PROJECT_SOURCE_DIR}/tests/cluster/sim.c)
target_include_directories(akt-cluster-sim-bench PRIVATE
  ${PROJECT_SOURCE_DIR}/runtime/src ${PROJECT_SOURCE_DIR}/tests/cluster)
target_compile_definitions(akt-cluster-sim-bench PRIVATE _GNU_SOURCE)
target_link_libraries(akt-cluster-sim-bench PRIVATE akt_static)
set_target_properties(akt-cluster-sim-bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
