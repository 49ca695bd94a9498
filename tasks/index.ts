import "./lp504";
import "./size";
import "./deploy";
import "./operate";
import "./govern";
