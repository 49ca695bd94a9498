import "./size";
